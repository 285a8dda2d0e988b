"""Images: safe decoding with per-file reasons, boxes (YOLO) and IoU, hand-made features."""
