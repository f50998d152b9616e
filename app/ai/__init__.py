"""AI segmentation (nnU-Net, TotalSegmentator) run in a worker process in a Python
environment the user chooses, so the app itself never imports torch.

``client.run_prediction`` starts ``worker/main.py`` with that Python, hands the image over
in shared memory and reads JSON lines back; ``cache`` keeps finished results on disk;
``environments`` describes a chosen Python and builds managed venvs.
"""
