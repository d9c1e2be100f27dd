"""Grading around nbgrader: releasing labs, executing and scoring notebooks, self-check, class grading."""
