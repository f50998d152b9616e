"""Turning volumes into pictures: slice extraction, windowing, label overlays."""
