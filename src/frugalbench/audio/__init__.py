"""Audio in, the way a forest sensor hears it: decoding, resampling, windows, log-mel features.

Decoding and windowing live here rather than in a task because ``detect`` and the models need
the same steps as the loaders: a clip is read the same way in training, evaluation and the field.
"""
