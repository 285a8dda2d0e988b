"""Text-model building blocks: the bundled MiniLM encoder, its ONNX export, ONNX inference."""
