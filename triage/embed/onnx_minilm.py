"""all-MiniLM-L6-v2 on ONNX Runtime: the same weights and tokenizer, no torch import.

The graph is written here, op by op, from the installed package's safetensors weights (the
same forward pass as ``numpy_minilm``), and handed to ONNX Runtime in memory. So there is no
exported model file to ship, download or keep in step with the weights: the weights' sha256
is still the one recorded in every result. ONNX Runtime fuses the layer norms, the gelu and
the matrix products and runs them on its own thread pool, which is faster than numpy's
one-call-per-op forward pass on 2 cores (benchmarks/results/matching.md, seventeenth pass).
Vectors agree with the sentence-transformers adapter to about 1e-6 cosine
(tests/test_embed.py), so all runtimes share one model id and one cache.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from triage.embed.local_bert import VIEW_LAYER, load_bert, padded_batches
from triage.embed.minilm import DEFAULT_MODEL_ID

OPSET = 17  # LayerNormalization arrived in 17; ONNX Runtime 1.14 and later run it
TOKEN_BUDGET = 1024  # padded tokens per batch (16 rows of 64, 32 of 32); measured best of 512-4096
EXTERNAL_BYTES = 4096  # initializers this large are passed to the session, not serialised


def build_graph(
    weights: dict[str, np.ndarray], heads: int, layers: int, eps: float
) -> tuple[bytes, dict[str, np.ndarray]]:
    """A serialised ONNX model, (input_ids, attention_mask) -> L2-normalised mean-pooled vectors
    of the last layer ("embedding") and of layer ``VIEW_LAYER`` ("layer_view"), and its large
    initializers by name, which the graph declares as external data."""
    from onnx import TensorProto, helper, numpy_helper

    inits: list = []
    nodes: list = []
    external: dict[str, np.ndarray] = {}

    def const(name: str, value: np.ndarray) -> str:
        value = np.ascontiguousarray(value)
        if value.dtype == np.float32 and value.nbytes >= EXTERNAL_BYTES:
            # Declared in the graph, data handed over in memory: serialising 90 MB of weights
            # through protobuf took 0.8 s of a 2 s start.
            t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=value.shape,
                            data_location=TensorProto.EXTERNAL)
            t.external_data.add(key="location", value="in-memory")
            inits.append(t)
            external[name] = value
        else:
            inits.append(numpy_helper.from_array(value, name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    w = weights
    d = int(w["embeddings.word_embeddings.weight"].shape[1])
    hd = d // heads
    f32 = np.float32

    def linear(x: str, base: str, out: str) -> str:
        wt = const(base + ".wt", w[base + ".weight"].T.astype(f32))
        b = const(base + ".b", w[base + ".bias"].astype(f32))
        return node("Add", [node("MatMul", [x, wt], out + ".mm"), b], out)

    def layer_norm(x: str, base: str, out: str) -> str:
        scale = const(base + ".g", w[base + ".weight"].astype(f32))
        bias = const(base + ".beta", w[base + ".bias"].astype(f32))
        return node("LayerNormalization", [x, scale, bias], out, axis=-1, epsilon=eps)

    # Embeddings: word + position (the first T rows) + token type 0.
    word = node("Gather", [const("word_emb", w["embeddings.word_embeddings.weight"]), "input_ids"], "word")
    shape = node("Shape", ["input_ids"], "ids_shape")
    t = node("Slice", [shape, const("one_i", np.array([1])), const("two_i", np.array([2]))], "seq_len")
    pos = node(
        "Slice",
        [const("pos_emb", w["embeddings.position_embeddings.weight"]), const("zero_i", np.array([0])), t,
         const("zero_axis", np.array([0]))],
        "pos",
    )
    x = node("Add", [node("Add", [word, pos], "word_pos"),
                     const("type0", w["embeddings.token_type_embeddings.weight"][0])], "emb")
    x = layer_norm(x, "embeddings.LayerNorm", "emb_ln")

    # Padding gets a large negative attention bias: (1 - mask) * -1e9, shaped (N, 1, 1, T).
    maskf = node("Cast", ["attention_mask"], "maskf", to=TensorProto.FLOAT)
    inv = node("Sub", [const("one_f", np.array(1.0, dtype=f32)), maskf], "mask_inv")
    bias = node("Mul", [inv, const("neg_big", np.array(-1e9, dtype=f32))], "mask_bias2")
    bias = node("Unsqueeze", [bias, const("axes12", np.array([1, 2]))], "mask_bias")
    split_shape = const("split_shape", np.array([0, 0, heads, hd]))
    merge_shape = const("merge_shape", np.array([0, 0, d]))
    scale = const("scale", np.array(1.0 / np.sqrt(hd), dtype=f32))
    m3 = node("Unsqueeze", [maskf, const("axis2", np.array([2]))], "mask3")
    count = node("ReduceSum", [m3, const("axis1b", np.array([1]))], "count", keepdims=0)
    count = node("Max", [count, const("tiny", np.array(1e-9, dtype=f32))], "count_c")
    one_d = const("axis1", np.array([1]))
    tiny_n = const("tiny_n", np.array(1e-12, dtype=f32))

    def pooled(h: str, out: str) -> str:
        # Mean over the real tokens, then L2 normalisation (sentence-transformers' Pooling + Normalize).
        summed = node("ReduceSum", [node("Mul", [h, m3], out + ".masked"), one_d], out + ".sum", keepdims=0)
        mean = node("Div", [summed, count], out + ".mean")
        norm = node("ReduceL2", [mean], out + ".norm", axes=[-1], keepdims=1)  # an attribute until opset 18
        return node("Div", [mean, node("Max", [norm, tiny_n], out + ".norm_c")], out)

    for i in range(layers):
        p = f"encoder.layer.{i}."

        def heads_of(h: str, perm: list[int], name: str) -> str:
            return node("Transpose", [node("Reshape", [h, split_shape], name + ".r")], name, perm=perm)

        q = heads_of(linear(x, p + "attention.self.query", f"l{i}.q0"), [0, 2, 1, 3], f"l{i}.q")
        k = heads_of(linear(x, p + "attention.self.key", f"l{i}.k0"), [0, 2, 3, 1], f"l{i}.k")
        v = heads_of(linear(x, p + "attention.self.value", f"l{i}.v0"), [0, 2, 1, 3], f"l{i}.v")
        scores = node("Mul", [node("MatMul", [q, k], f"l{i}.qk"), scale], f"l{i}.qk_s")
        probs = node("Softmax", [node("Add", [scores, bias], f"l{i}.qk_b")], f"l{i}.p", axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, v], f"l{i}.pv")], f"l{i}.ctx_t", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge_shape], f"l{i}.ctx")
        attn = linear(ctx, p + "attention.output.dense", f"l{i}.ao")
        x = layer_norm(node("Add", [attn, x], f"l{i}.ao_res"), p + "attention.output.LayerNorm", f"l{i}.ao_ln")
        h = linear(x, p + "intermediate.dense", f"l{i}.h0")
        # BERT's exact gelu, x * 0.5 * (1 + erf(x / sqrt 2)); ONNX Runtime fuses the pattern.
        erf = node("Erf", [node("Mul", [h, const(f"l{i}.isq2", np.array(1 / np.sqrt(2), dtype=f32))],
                                 f"l{i}.hs")], f"l{i}.erf")
        half = node("Mul", [node("Add", [erf, const(f"l{i}.one", np.array(1.0, dtype=f32))], f"l{i}.erf1"),
                            const(f"l{i}.half", np.array(0.5, dtype=f32))], f"l{i}.erfh")
        h = node("Mul", [h, half], f"l{i}.gelu")
        out = linear(h, p + "output.dense", f"l{i}.o")
        x = layer_norm(node("Add", [out, x], f"l{i}.o_res"), p + "output.LayerNorm", f"l{i}.o_ln")
        if i + 1 == VIEW_LAYER:
            pooled(x, "layer_view")
    pooled(x, "embedding")

    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["n", "t"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["n", "t"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["n", d]),
         helper.make_tensor_value_info("layer_view", TensorProto.FLOAT, ["n", d])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8  # what ONNX Runtime 1.14 and later read
    return model.SerializeToString(), external


class OnnxMiniLMEmbedder:
    """The BertModel forward pass, mean pooling and L2 normalisation as one ONNX Runtime session."""

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        model_id: str = DEFAULT_MODEL_ID,
        threads: int = 2,
        verify: bool = False,
        spin: bool = True,
    ):
        import onnxruntime as ort

        bert = load_bert(model_dir, verify)
        self.model_dir, self.model_hash, self.tokenizer = bert.model_dir, bert.model_hash, bert.tokenizer
        self.model_id = model_id
        self.max_seq_length = bert.max_seq_length
        self.dim = bert.dim
        graph, external = build_graph(bert.weights, bert.heads, bert.layers, bert.eps)
        del bert
        names = sorted(external)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, min(threads, os.cpu_count() or 1))
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        # Idle worker threads spin-wait by default; on a machine whose other core is busy that
        # steals the time the work needs (as OpenBLAS's do; see auto.py).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        opts.add_external_initializers(names, [ort.OrtValue.ortvalue_from_numpy(external[n]) for n in names])
        self.session = ort.InferenceSession(graph, sess_options=opts, providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self._run(texts, batch_size, ["embedding"])

    def encode_with_layer(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """(len(texts), 2 * dim): the sentence vector, then layer ``VIEW_LAYER``'s pooled vector."""
        return self._run(texts, batch_size, ["embedding", "layer_view"])

    def _run(self, texts: Sequence[str], batch_size: int, outputs: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(outputs) * self.dim), dtype=np.float32)
        if not texts:
            return out
        # Long texts in smaller batches keep the attention matrices in cache.
        for part, ids, mask in padded_batches(self.tokenizer, texts, batch_size, TOKEN_BUDGET):
            out[part] = np.concatenate(self.session.run(outputs, {"input_ids": ids, "attention_mask": mask}), axis=1)
        return out
