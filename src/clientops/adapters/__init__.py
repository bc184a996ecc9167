"""Built-in adapters. Each module registers itself through the hooks like any plugin."""
