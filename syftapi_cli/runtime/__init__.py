"""Running endpoint methods in worker processes, and the blobs they read and write."""
