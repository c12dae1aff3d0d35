"""Fine-tuning (``panza train``): LoRA, RoSA and full fine-tuning on the prepared emails.

Light on import: torch, transformers and PEFT are imported inside the functions that need them.
"""
