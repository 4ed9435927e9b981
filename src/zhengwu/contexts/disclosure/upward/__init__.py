"""The upward push of the national data standard's datasets (city → province → nation), both sides."""
