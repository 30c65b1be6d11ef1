"""Run definitions of benchmarks/semires_label_efficiency.py."""
