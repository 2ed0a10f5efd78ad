"""Records, the store and point-in-time indicators (the bottom layer: imports no other project package)."""
