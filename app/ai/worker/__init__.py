"""Files run by the AI worker's Python, which does not have Demarcate installed: only the
standard library and numpy at module level, the AI package inside each adapter."""
