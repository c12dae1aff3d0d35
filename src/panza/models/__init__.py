"""Model input/output: checkpoints and their kinds, loaders, the RoSA format and the embedded models.

Every stage that touches model files (training, the backends, merging, exports) goes through here.
"""

from panza.models.checkpoint import Checkpoint

__all__ = ["Checkpoint"]
