"""The blocks, one module per family. Each block is a snippet section that runs on its own."""
