//go:build foundation_only

package main

func toolCommands() map[string]command { return nil }
