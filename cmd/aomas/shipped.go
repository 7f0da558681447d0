package main

import (
	"io/fs"

	"github.com/aomas/aomas/models"
)

// shippedModels are the models that come with aomas, embedded in the binary.
func shippedModels() fs.FS { return models.Shipped }
