# threading overlay
