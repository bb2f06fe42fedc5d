"""The demo suite: synthetic task data, the loraland-mini base and one LoRA adapter per task.

Everything is built here, deterministically from a seed; nothing is downloaded.
"""
