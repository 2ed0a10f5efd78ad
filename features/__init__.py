"""Records, the store and point-in-time indicators.

The bottom layer: imports no other project package.
"""
