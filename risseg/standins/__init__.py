"""Stand-in foundation models for SynthRef, trained on a separately generated corpus.

One module per part (``clip``, ``coca``, ``detector``, ``sam``), each exposing
``train_part(corpus_root, out_dir, *, seed, epochs, log)`` and
``evaluate_part(out_dir, data_root, split) -> dict``; ``tools/train_standins.py`` runs them.
"""
