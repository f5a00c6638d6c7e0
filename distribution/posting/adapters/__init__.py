"""One adapter per platform; ``base`` holds the interface and the typed errors."""
