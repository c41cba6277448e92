package playground_test

import "os"

func isCI() bool { return os.Getenv("CI") == "true" }
