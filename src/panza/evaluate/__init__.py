"""Evaluation of drafts against the user's real emails (``panza eval``).

One module per concept, each the one place its metric is defined and documented:

- :mod:`~panza.evaluate.metrics`: the original Panza's BLEU (mean of BLEU-1..4) and ROUGE-1/2/L/Lsum
  P/R/F computed its way, plus sacrebleu BLEU and chrF;
- :mod:`~panza.evaluate.mauve`: MAUVE with local features (all-MiniLM-L6-v2);
- :mod:`~panza.evaluate.adherence`: facts of the instruction carried by the draft; failed drafts;
- :mod:`~panza.evaluate.style`: stylometric attribution, greeting/closing match, length, centroid;
- :mod:`~panza.evaluate.floors`: the template and nearest-training-email floors;
- :mod:`~panza.evaluate.score`: one system's json (the original's format plus ``panza_metrics``);
- :mod:`~panza.evaluate.report`: report.md, report.html and the PNG charts;
- :mod:`~panza.evaluate.command`: the ``panza eval`` command.
"""
