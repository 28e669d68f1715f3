"""In-process benchmark cases; each module runs as `python -m bench.cases.<name> --scale X --out F`."""
