"""Every layer formula in exact Python-int arithmetic. GENERATED, do not edit.

Written by ``python -m roofline_conv.layers.codegen`` from the sympy expressions of
``layers/formulas.py`` and ``layers/families.py`` (floor(a/b) as a // b, a division such as
C_in/G as the checked exact division of the whole product); tests/layers/test_codegen.py checks
that this text is what the generator writes and that each function equals its expression.
"""


def _exact(numerator: int, denominator: int) -> int:
    """numerator / denominator, which must be an integer."""
    quotient, remainder = divmod(numerator, denominator)
    if remainder:
        raise ArithmeticError(f"{numerator} / {denominator} is not an integer")
    return quotient


# -- conv: (B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias)
def conv_weights(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return _exact(C_in*C_out*K_h*K_w, G)


def conv_bias_params(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return C_out*bias


def conv_macs(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return _exact(B*C_in*C_out*K_h*K_w*(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)*(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1), G)


def conv_bias_adds(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return B*C_out*bias*(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)*(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)


def conv_input_elements(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return B*C_in*H*W


def conv_input_read_elements(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return B*C_in*((H) if ((D_h*S_h) == (1)) else (((-((min((-((-(P_t)) // (D_h))), K_h + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h))*max(1, ((S_h) // (D_h))))) // (max(1, ((S_h) // (D_h)))))*min(K_h, max(1, ((S_h) // (D_h)))) + ((min((-((-(H + P_t)) // (D_h))), K_h + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h))*max(1, ((S_h) // (D_h))))) // (max(1, ((S_h) // (D_h)))))*min(K_h, max(1, ((S_h) // (D_h)))) - min(K_h, -((min((-((-(P_t)) // (D_h))), K_h + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h))*max(1, ((S_h) // (D_h))))) // (max(1, ((S_h) // (D_h)))))*max(1, ((S_h) // (D_h))) + min((-((-(P_t)) // (D_h))), K_h + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h))*max(1, ((S_h) // (D_h))))) + min(K_h, -((min((-((-(H + P_t)) // (D_h))), K_h + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h))*max(1, ((S_h) // (D_h))))) // (max(1, ((S_h) // (D_h)))))*max(1, ((S_h) // (D_h))) + min((-((-(H + P_t)) // (D_h))), K_h + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h))*max(1, ((S_h) // (D_h)))))) if ((((S_h) % (D_h))) == (0)) else (((-((min((-((-(P_t)) // (S_h))), (K_h - 1)*max(1, ((D_h) // (S_h))) + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) // (max(1, ((D_h) // (S_h)))))*min(max(1, ((D_h) // (S_h))), ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1) + ((min((-((-(H + P_t)) // (S_h))), (K_h - 1)*max(1, ((D_h) // (S_h))) + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) // (max(1, ((D_h) // (S_h)))))*min(max(1, ((D_h) // (S_h))), ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1) - min(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1, -((min((-((-(P_t)) // (S_h))), (K_h - 1)*max(1, ((D_h) // (S_h))) + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) // (max(1, ((D_h) // (S_h)))))*max(1, ((D_h) // (S_h))) + min((-((-(P_t)) // (S_h))), (K_h - 1)*max(1, ((D_h) // (S_h))) + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) + min(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1, -((min((-((-(H + P_t)) // (S_h))), (K_h - 1)*max(1, ((D_h) // (S_h))) + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) // (max(1, ((D_h) // (S_h)))))*max(1, ((D_h) // (S_h))) + min((-((-(H + P_t)) // (S_h))), (K_h - 1)*max(1, ((D_h) // (S_h))) + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1))) if ((((D_h) % (S_h))) == (0)) else (max(-((min((-((-(P_t)) // (D_h))), K_h + S_h*((-((-(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) // (D_h))) - 1))) // (S_h))*min(K_h, S_h) + ((min((-((-(H + P_t)) // (D_h))), K_h + S_h*((-((-(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) // (D_h))) - 1))) // (S_h))*min(K_h, S_h) - min(K_h, -S_h*((min((-((-(P_t)) // (D_h))), K_h + S_h*((-((-(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) // (D_h))) - 1))) // (S_h)) + min((-((-(P_t)) // (D_h))), K_h + S_h*((-((-(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) // (D_h))) - 1))) + min(K_h, -S_h*((min((-((-(H + P_t)) // (D_h))), K_h + S_h*((-((-(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) // (D_h))) - 1))) // (S_h)) + min((-((-(H + P_t)) // (D_h))), K_h + S_h*((-((-(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) // (D_h))) - 1))), -((min((-((-(P_t)) // (S_h))), D_h*((-((-(K_h)) // (S_h))) - 1) + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) // (D_h))*min(D_h, ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1) + ((min((-((-(H + P_t)) // (S_h))), D_h*((-((-(K_h)) // (S_h))) - 1) + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) // (D_h))*min(D_h, ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1) - min(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1, -D_h*((min((-((-(P_t)) // (S_h))), D_h*((-((-(K_h)) // (S_h))) - 1) + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) // (D_h)) + min((-((-(P_t)) // (S_h))), D_h*((-((-(K_h)) // (S_h))) - 1) + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) + min(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1, -D_h*((min((-((-(H + P_t)) // (S_h))), D_h*((-((-(K_h)) // (S_h))) - 1) + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)) // (D_h)) + min((-((-(H + P_t)) // (S_h))), D_h*((-((-(K_h)) // (S_h))) - 1) + ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)))))))))*((W) if ((D_w*S_w) == (1)) else (((-((min((-((-(P_l)) // (D_w))), K_w + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w))*max(1, ((S_w) // (D_w))))) // (max(1, ((S_w) // (D_w)))))*min(K_w, max(1, ((S_w) // (D_w)))) + ((min((-((-(P_l + W)) // (D_w))), K_w + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w))*max(1, ((S_w) // (D_w))))) // (max(1, ((S_w) // (D_w)))))*min(K_w, max(1, ((S_w) // (D_w)))) - min(K_w, -((min((-((-(P_l)) // (D_w))), K_w + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w))*max(1, ((S_w) // (D_w))))) // (max(1, ((S_w) // (D_w)))))*max(1, ((S_w) // (D_w))) + min((-((-(P_l)) // (D_w))), K_w + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w))*max(1, ((S_w) // (D_w))))) + min(K_w, -((min((-((-(P_l + W)) // (D_w))), K_w + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w))*max(1, ((S_w) // (D_w))))) // (max(1, ((S_w) // (D_w)))))*max(1, ((S_w) // (D_w))) + min((-((-(P_l + W)) // (D_w))), K_w + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w))*max(1, ((S_w) // (D_w)))))) if ((((S_w) % (D_w))) == (0)) else (((-((min((-((-(P_l)) // (S_w))), (K_w - 1)*max(1, ((D_w) // (S_w))) + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) // (max(1, ((D_w) // (S_w)))))*min(max(1, ((D_w) // (S_w))), ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1) + ((min((-((-(P_l + W)) // (S_w))), (K_w - 1)*max(1, ((D_w) // (S_w))) + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) // (max(1, ((D_w) // (S_w)))))*min(max(1, ((D_w) // (S_w))), ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1) - min(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1, -((min((-((-(P_l)) // (S_w))), (K_w - 1)*max(1, ((D_w) // (S_w))) + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) // (max(1, ((D_w) // (S_w)))))*max(1, ((D_w) // (S_w))) + min((-((-(P_l)) // (S_w))), (K_w - 1)*max(1, ((D_w) // (S_w))) + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) + min(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1, -((min((-((-(P_l + W)) // (S_w))), (K_w - 1)*max(1, ((D_w) // (S_w))) + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) // (max(1, ((D_w) // (S_w)))))*max(1, ((D_w) // (S_w))) + min((-((-(P_l + W)) // (S_w))), (K_w - 1)*max(1, ((D_w) // (S_w))) + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1))) if ((((D_w) % (S_w))) == (0)) else (max(-((min((-((-(P_l)) // (D_w))), K_w + S_w*((-((-(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) // (D_w))) - 1))) // (S_w))*min(K_w, S_w) + ((min((-((-(P_l + W)) // (D_w))), K_w + S_w*((-((-(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) // (D_w))) - 1))) // (S_w))*min(K_w, S_w) - min(K_w, -S_w*((min((-((-(P_l)) // (D_w))), K_w + S_w*((-((-(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) // (D_w))) - 1))) // (S_w)) + min((-((-(P_l)) // (D_w))), K_w + S_w*((-((-(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) // (D_w))) - 1))) + min(K_w, -S_w*((min((-((-(P_l + W)) // (D_w))), K_w + S_w*((-((-(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) // (D_w))) - 1))) // (S_w)) + min((-((-(P_l + W)) // (D_w))), K_w + S_w*((-((-(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) // (D_w))) - 1))), -((min((-((-(P_l)) // (S_w))), D_w*((-((-(K_w)) // (S_w))) - 1) + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) // (D_w))*min(D_w, ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1) + ((min((-((-(P_l + W)) // (S_w))), D_w*((-((-(K_w)) // (S_w))) - 1) + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) // (D_w))*min(D_w, ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1) - min(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1, -D_w*((min((-((-(P_l)) // (S_w))), D_w*((-((-(K_w)) // (S_w))) - 1) + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) // (D_w)) + min((-((-(P_l)) // (S_w))), D_w*((-((-(K_w)) // (S_w))) - 1) + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) + min(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1, -D_w*((min((-((-(P_l + W)) // (S_w))), D_w*((-((-(K_w)) // (S_w))) - 1) + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)) // (D_w)) + min((-((-(P_l + W)) // (S_w))), D_w*((-((-(K_w)) // (S_w))) - 1) + ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)))))))))


def conv_output_elements(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return B*C_out*(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)*(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)


def conv_im2col_elements(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return B*C_in*K_h*K_w*(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)*(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)


def conv_gemm_m(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return B*(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)*(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)


def conv_gemm_n(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return C_out


def conv_gemm_k(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return _exact(C_in*K_h*K_w, G)


def conv_fft_macs(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return _exact(B*C_in*C_out*(H + P_h)*(((P_w + W) // (2)) + 1), G)


def conv_output_height(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return ((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1


def conv_output_width(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return ((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1


# -- linear: (B, F_in, F_out, bias)
def linear_weights(B, F_in, F_out, bias):
    return F_in*F_out


def linear_bias_params(B, F_in, F_out, bias):
    return F_out*bias


def linear_macs(B, F_in, F_out, bias):
    return B*F_in*F_out


def linear_bias_adds(B, F_in, F_out, bias):
    return B*F_out*bias


def linear_input_elements(B, F_in, F_out, bias):
    return B*F_in


def linear_output_elements(B, F_in, F_out, bias):
    return B*F_out


def linear_gemm_m(B, F_in, F_out, bias):
    return B


def linear_gemm_n(B, F_in, F_out, bias):
    return F_out


def linear_gemm_k(B, F_in, F_out, bias):
    return F_in


# -- pool: (B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias)
def pool_max_ops(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return B*C_in*(K_h*K_w - 1)*(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)*(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)


def pool_avg_ops(B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias):
    return B*C_in*K_h*K_w*(((-D_h*(K_h - 1) + H + P_h - 1) // (S_h)) + 1)*(((-D_w*(K_w - 1) + P_w + W - 1) // (S_w)) + 1)


# -- elementwise: (B, C, H, W, n_in, k_op)
def elementwise_elements(B, C, H, W, n_in, k_op):
    return B*C*H*W


def elementwise_input_elements(B, C, H, W, n_in, k_op):
    return B*C*H*W*n_in


def elementwise_output_elements(B, C, H, W, n_in, k_op):
    return B*C*H*W


def elementwise_ops(B, C, H, W, n_in, k_op):
    return B*C*H*W*k_op


# -- norm: (B, C, H, W)
def norm_weights(B, C, H, W):
    return C


def norm_bias_params(B, C, H, W):
    return C


def norm_buffers(B, C, H, W):
    return 2*C


def norm_input_elements(B, C, H, W):
    return B*C*H*W


def norm_output_elements(B, C, H, W):
    return B*C*H*W


def norm_ops(B, C, H, W):
    return 2*B*C*H*W


# -- scale: (B, C, H, W)
def scale_input_elements(B, C, H, W):
    return B*C*H*W + B*C


def scale_output_elements(B, C, H, W):
    return B*C*H*W


def scale_ops(B, C, H, W):
    return B*C*H*W


ARGS: dict[str, tuple[str, ...]] = {
    "conv": ("B", "C_in", "C_out", "G", "H", "W", "K_h", "K_w", "S_h", "S_w", "P_h", "P_w", "P_t", "P_l", "D_h", "D_w", "bias"),
    "linear": ("B", "F_in", "F_out", "bias"),
    "pool": ("B", "C_in", "C_out", "G", "H", "W", "K_h", "K_w", "S_h", "S_w", "P_h", "P_w", "P_t", "P_l", "D_h", "D_w", "bias"),
    "elementwise": ("B", "C", "H", "W", "n_in", "k_op"),
    "norm": ("B", "C", "H", "W"),
    "scale": ("B", "C", "H", "W"),
}
"""Each family's argument names, in the order its functions take them."""

FUNCTIONS = {
    "conv": {
        "weights": conv_weights,
        "bias_params": conv_bias_params,
        "macs": conv_macs,
        "bias_adds": conv_bias_adds,
        "input_elements": conv_input_elements,
        "input_read_elements": conv_input_read_elements,
        "output_elements": conv_output_elements,
        "im2col_elements": conv_im2col_elements,
        "gemm_m": conv_gemm_m,
        "gemm_n": conv_gemm_n,
        "gemm_k": conv_gemm_k,
        "fft_macs": conv_fft_macs,
        "output_height": conv_output_height,
        "output_width": conv_output_width,
    },
    "linear": {
        "weights": linear_weights,
        "bias_params": linear_bias_params,
        "macs": linear_macs,
        "bias_adds": linear_bias_adds,
        "input_elements": linear_input_elements,
        "output_elements": linear_output_elements,
        "gemm_m": linear_gemm_m,
        "gemm_n": linear_gemm_n,
        "gemm_k": linear_gemm_k,
    },
    "pool": {
        "max_ops": pool_max_ops,
        "avg_ops": pool_avg_ops,
    },
    "elementwise": {
        "elements": elementwise_elements,
        "input_elements": elementwise_input_elements,
        "output_elements": elementwise_output_elements,
        "ops": elementwise_ops,
    },
    "norm": {
        "weights": norm_weights,
        "bias_params": norm_bias_params,
        "buffers": norm_buffers,
        "input_elements": norm_input_elements,
        "output_elements": norm_output_elements,
        "ops": norm_ops,
    },
    "scale": {
        "input_elements": scale_input_elements,
        "output_elements": scale_output_elements,
        "ops": scale_ops,
    },
}
"""family -> quantity -> its compiled function."""
