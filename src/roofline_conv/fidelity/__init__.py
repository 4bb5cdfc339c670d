"""Expected kernel times beside the roofline bound: the measurements they are fitted on and checked
against (:mod:`roofline_conv.fidelity.measurements`)."""
