"""One module per eval scenario; each exposes NAME and generate(writer)."""
