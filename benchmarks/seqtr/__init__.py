"""Run definitions of benchmarks/seqtr_label_efficiency.py."""
