//go:build !foundation_only

package main

// toolCommands are the offline tools: they need no service.
func toolCommands() map[string]command {
	return map[string]command{
		"phantom": {offline(runPhantom), "write synthetic AO images with ground truth"},
		"analyze": {offline(runAnalyze), "preprocess, detect and measure image files in-process"},
		"score":   {offline(runScore), "score detected cone points against manual marks"},
		"inspect": {offline(runInspect), "show what the ingester sees in files"},
	}
}
