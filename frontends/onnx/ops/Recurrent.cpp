//===- Recurrent.cpp - ONNX RNN, GRU and LSTM, unrolled over the sequence ---===//
//
// The sequence length is static, so each time step becomes its own matmuls and elementwise
// ops; per-batch `sequence_lens` (known only at run time) mask the steps past each sequence's
// end, as ONNX defines: those steps output zeros and carry the state unchanged.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

enum class Cell { Rnn, Gru, Lstm };

int gateCount(Cell cell) { return cell == Cell::Rnn ? 1 : cell == Cell::Gru ? 3 : 4; }

/// A few helpers that turn a failed shape rule into a failed import.
struct Builder {
  NodeContext &node;
  bool failedAny = false;

  Value check(FailureOr<Value> value) {
    if (failed(value)) {
      failedAny = true;
      return {};
    }
    return *value;
  }
  Value add(Value a, Value b) { return failedAny ? Value() : check(node.create<llm::AddOp>(a, b)); }
  Value sub(Value a, Value b) { return failedAny ? Value() : check(node.create<llm::SubOp>(a, b)); }
  Value mul(Value a, Value b) { return failedAny ? Value() : check(node.create<llm::MulOp>(a, b)); }
  Value matmul(Value a, Value b) {
    return failedAny ? Value() : check(node.create<llm::MatmulOp>(a, b));
  }
  Value sigmoid(Value a) { return llm::SigmoidOp::create(node.builder, node.loc, a); }
  Value tanh(Value a) { return llm::TanhOp::create(node.builder, node.loc, a); }
  Value reshape(Value a, ArrayRef<int64_t> shape) {
    return failedAny ? Value() : check(node.reshape(a, shape));
  }
  /// `a[begin:end]` along `axis`.
  Value slice(Value a, int64_t axis, int64_t begin, int64_t end) {
    if (failedAny)
      return {};
    auto type = cast<RankedTensorType>(a.getType());
    SmallVector<int64_t> starts(type.getRank(), 0), ends(type.getShape()), steps(type.getRank(), 1);
    starts[axis] = begin;
    ends[axis] = end;
    OpBuilder &b = node.builder;
    return check(node.create<llm::SliceOp>(a, b.getDenseI64ArrayAttr(starts),
                                           b.getDenseI64ArrayAttr(ends),
                                           b.getDenseI64ArrayAttr(steps)));
  }
  Value transpose(Value a, ArrayRef<int64_t> permutation) {
    return failedAny ? Value()
                     : check(node.create<llm::TransposeOp>(
                           a, node.builder.getDenseI64ArrayAttr(permutation)));
  }
  Value concat(ValueRange values, int64_t axis) {
    if (failedAny)
      return {};
    if (values.size() == 1)
      return values.front();
    return check(node.create<llm::ConcatOp>(values, node.builder.getI64IntegerAttr(axis)));
  }
  Value select(Value c, Value a, Value b) {
    return failedAny ? Value() : check(node.create<llm::SelectOp>(c, a, b));
  }
};

LogicalResult recurrent(NodeContext &node, Cell cell) {
  Builder b{node};
  RankedTensorType xType = node.inputType(0);
  if (xType.getRank() != 3 || !xType.hasStaticShape()) {
    node.error() << "expected a static input X of rank 3, got " << xType;
    return failure();
  }
  for (const char *name : {"activations", "clip", "input_forget"})
    if (node.attribute(name) &&
        !(std::string(name) == "input_forget" && node.intAttr(name, 0) == 0)) {
      node.error() << "attribute '" << name << "' is not supported";
      return failure();
    }
  std::optional<int64_t> hiddenAttr = node.intAttr("hidden_size");
  bool batchMajor = node.intAttr("layout", 0) != 0;
  std::string direction = node.stringAttr("direction").value_or("forward");
  int directions = direction == "bidirectional" ? 2 : 1;
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional") {
    node.error() << "direction '" << direction << "' is not forward, reverse or bidirectional";
    return failure();
  }
  Value x = node.input(0);
  if (batchMajor)
    x = b.transpose(x, {1, 0, 2});
  auto sequenceType = cast<RankedTensorType>(x.getType());
  int64_t steps = sequenceType.getDimSize(0), batch = sequenceType.getDimSize(1),
          inputSize = sequenceType.getDimSize(2);
  RankedTensorType wType = node.inputType(1);
  int gates = gateCount(cell);
  if (wType.getRank() != 3 || wType.isDynamicDim(1) || wType.getDimSize(0) != directions ||
      wType.getDimSize(1) % gates != 0 || wType.getDimSize(2) != inputSize) {
    node.error() << "W has shape " << wType << ", expected [" << directions << ", " << gates
                 << " x hidden, " << inputSize << "]";
    return failure();
  }
  int64_t hidden = wType.getDimSize(1) / gates;
  if (hiddenAttr && *hiddenAttr != hidden) {
    node.error() << "hidden_size " << *hiddenAttr << " disagrees with W (" << hidden << ")";
    return failure();
  }
  Type element = xType.getElementType();
  bool linearBeforeReset = node.intAttr("linear_before_reset", 0) != 0;

  // Per-batch lengths known at run time mask the steps past each sequence's end.
  Value lengths;
  if (node.hasInput(4)) {
    lengths = b.reshape(node.input(4), {batch, 1});
    if (!lengths)
      return failure();
  }

  SmallVector<Value> outputs, lastHidden, lastCell;
  for (int d = 0; d < directions; ++d) {
    bool reverse = direction == "reverse" || d == 1;
    Value w = b.reshape(b.slice(node.input(1), 0, d, d + 1), {gates * hidden, inputSize});
    Value r = b.reshape(b.slice(node.input(2), 0, d, d + 1), {gates * hidden, hidden});
    Value wT = b.transpose(w, {1, 0}), rT = b.transpose(r, {1, 0});
    Value wBias, rBias;
    if (node.hasInput(3)) {
      Value bias = b.reshape(b.slice(node.input(3), 0, d, d + 1), {2 * gates * hidden});
      wBias = b.slice(bias, 0, 0, gates * hidden);
      rBias = b.slice(bias, 0, gates * hidden, 2 * gates * hidden);
    }
    Value h =
        node.hasInput(5)
            ? b.reshape(b.slice(node.input(5), 0, d, d + 1), {batch, hidden})
            : node.constant(DenseElementsAttr::get(RankedTensorType::get({batch, hidden}, element),
                                                   node.builder.getFloatAttr(element, 0.0)));
    Value c = cell == Cell::Lstm && node.hasInput(6)
                  ? b.reshape(b.slice(node.input(6), 0, d, d + 1), {batch, hidden})
                  : h;
    if (cell == Cell::Lstm && !node.hasInput(6))
      c = node.constant(DenseElementsAttr::get(RankedTensorType::get({batch, hidden}, element),
                                               node.builder.getFloatAttr(element, 0.0)));
    Value peepI, peepO, peepF;
    if (cell == Cell::Lstm && node.hasInput(7)) {
      Value p = b.reshape(b.slice(node.input(7), 0, d, d + 1), {3 * hidden});
      peepI = b.slice(p, 0, 0, hidden);
      peepO = b.slice(p, 0, hidden, 2 * hidden);
      peepF = b.slice(p, 0, 2 * hidden, 3 * hidden);
    }
    auto gate = [&](Value all, int index) {
      return b.slice(all, 1, index * hidden, (index + 1) * hidden);
    };
    SmallVector<Value> stepOutputs(steps);
    for (int64_t s = 0; s < steps; ++s) {
      int64_t t = reverse ? steps - 1 - s : s;
      Value xt = b.reshape(b.slice(x, 0, t, t + 1), {batch, inputSize});
      Value xw = b.matmul(xt, wT);
      if (wBias)
        xw = b.add(xw, wBias);
      Value newH, newC;
      if (cell == Cell::Gru) {
        // Gates z, r, h; R's h block applies to r * h unless linear_before_reset.
        Value hr = b.matmul(h, rT);
        if (rBias)
          hr = b.add(hr, rBias);
        Value z = b.sigmoid(b.add(gate(xw, 0), gate(hr, 0)));
        Value rGate = b.sigmoid(b.add(gate(xw, 1), gate(hr, 1)));
        Value candidate;
        if (linearBeforeReset) {
          candidate = b.tanh(b.add(gate(xw, 2), b.mul(rGate, gate(hr, 2))));
        } else {
          Value rh = b.matmul(b.mul(rGate, h), b.slice(rT, 1, 2 * hidden, 3 * hidden));
          if (rBias)
            rh = b.add(rh, b.slice(rBias, 0, 2 * hidden, 3 * hidden));
          candidate = b.tanh(b.add(gate(xw, 2), rh));
        }
        // (1 - z) * candidate + z * h
        newH = b.add(b.sub(candidate, b.mul(z, candidate)), b.mul(z, h));
      } else {
        Value all = b.add(xw, b.matmul(h, rT));
        if (rBias)
          all = b.add(all, rBias);
        if (cell == Cell::Rnn) {
          newH = b.tanh(all);
        } else {
          // Gates i, o, f, c.
          Value i = gate(all, 0), o = gate(all, 1), f = gate(all, 2), candidate = gate(all, 3);
          if (peepI) {
            i = b.add(i, b.mul(peepI, c));
            f = b.add(f, b.mul(peepF, c));
          }
          newC = b.add(b.mul(b.sigmoid(f), c), b.mul(b.sigmoid(i), b.tanh(candidate)));
          if (peepO)
            o = b.add(o, b.mul(peepO, newC));
          newH = b.mul(b.sigmoid(o), b.tanh(newC));
        }
      }
      Value output = newH;
      if (lengths) {
        Value active = b.check(node.create<llm::GreaterOp>(
            lengths,
            node.scalar(double(t), cast<RankedTensorType>(lengths.getType()).getElementType())));
        if (b.failedAny)
          return failure();
        newH = b.select(active, newH, h);
        if (newC)
          newC = b.select(active, newC, c);
        output = b.select(active, output, node.scalar(0.0, element));
      }
      if (b.failedAny)
        return failure();
      h = newH;
      if (newC)
        c = newC;
      stepOutputs[t] = b.reshape(output, {1, 1, batch, hidden});
    }
    outputs.push_back(b.concat(stepOutputs, 0));
    lastHidden.push_back(b.reshape(h, {1, batch, hidden}));
    if (cell == Cell::Lstm)
      lastCell.push_back(b.reshape(c, {1, batch, hidden}));
  }
  Value y = b.concat(outputs, 1);
  Value yh = b.concat(lastHidden, 0);
  Value yc = cell == Cell::Lstm ? b.concat(lastCell, 0) : Value();
  if (batchMajor) {
    y = b.transpose(y, {2, 0, 1, 3});
    yh = b.transpose(yh, {1, 0, 2});
    if (yc)
      yc = b.transpose(yc, {1, 0, 2});
  }
  if (b.failedAny)
    return failure();
  node.setOutput(0, y);
  node.setOutput(1, yh);
  if (yc)
    node.setOutput(2, yc);
  return success();
}

LogicalResult rnn(NodeContext &node) { return recurrent(node, Cell::Rnn); }
LogicalResult gru(NodeContext &node) { return recurrent(node, Cell::Gru); }
LogicalResult lstm(NodeContext &node) { return recurrent(node, Cell::Lstm); }

} // namespace

void registerRecurrentOps(OpRegistry &registry) {
  registry.add({"RNN", 7, 3, 6, 0, 2, rnn});
  registry.add({"GRU", 7, 3, 6, 0, 2, gru});
  registry.add({"LSTM", 7, 3, 8, 0, 3, lstm});
}

} // namespace llmc::onnx_frontend
