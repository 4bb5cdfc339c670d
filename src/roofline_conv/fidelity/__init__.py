"""Fidelity: the expected-time terms fitted on published and measured data, and their errors on data no fit saw."""
