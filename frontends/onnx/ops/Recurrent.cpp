//===- Recurrent.cpp - ONNX RNN, GRU and LSTM over the sequence -------------===//
//
// A static sequence length is unrolled: each time step becomes its own matmuls and
// elementwise ops. A sequence length known only at run time (a streaming model's frames) is an
// `scf.for` over the steps, carrying the state and writing each step's output into Y. Per-batch
// `sequence_lens` (known only at run time) mask the steps past each sequence's end, as ONNX
// defines: those steps output zeros and carry the state unchanged. The batch may be dynamic.
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/Importer.h"
#include "frontends/onnx/ops/RunTimeShapes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

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
  Value sigmoid(Value a) {
    return failedAny || !a ? Value() : Value(llm::SigmoidOp::create(node.builder, node.loc, a));
  }
  Value tanh(Value a) {
    return failedAny || !a ? Value() : Value(llm::TanhOp::create(node.builder, node.loc, a));
  }
  Value reshape(Value a, ArrayRef<int64_t> shape) {
    return failedAny ? Value() : check(node.reshape(a, shape));
  }
  /// `a[begin:end]` along `axis`.
  Value slice(Value a, int64_t axis, int64_t begin, int64_t end) {
    if (failedAny)
      return {};
    auto type = cast<RankedTensorType>(a.getType());
    OpBuilder &b = node.builder;
    // llm.slice needs static bounds; the states of a dynamic batch are gathered instead.
    if (!type.hasStaticShape()) {
      SmallVector<int64_t> indices;
      for (int64_t i = begin; i < end; ++i)
        indices.push_back(i);
      auto indexType = RankedTensorType::get({int64_t(indices.size())}, b.getI64Type());
      return check(node.create<llm::GatherOp>(
          a, node.constant(DenseElementsAttr::get(indexType, ArrayRef<int64_t>(indices))),
          b.getI64IntegerAttr(axis)));
    }
    SmallVector<int64_t> starts(type.getRank(), 0), ends(type.getShape()), steps(type.getRank(), 1);
    starts[axis] = begin;
    ends[axis] = end;
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

/// Zeros of [batch, hidden], `batch` being dim 1 of `x` (the sequence-major input) when it is
/// dynamic.
FailureOr<Value> zeroState(NodeContext &node, Value x, int64_t batch, int64_t hidden,
                           Type element) {
  bool dynamic = ShapedType::isDynamic(batch);
  auto type = RankedTensorType::get({dynamic ? 1 : batch, hidden}, element);
  Value zeros =
      node.constant(DenseElementsAttr::get(type, node.builder.getFloatAttr(element, 0.0)));
  if (!dynamic)
    return zeros;
  FailureOr<Value> shape = shapeOf(node, x);
  if (failed(shape))
    return failure();
  OpBuilder &b = node.builder;
  FailureOr<Value> batchSize =
      node.create<llm::SliceOp>(*shape, b.getDenseI64ArrayAttr({1}), b.getDenseI64ArrayAttr({2}),
                                b.getDenseI64ArrayAttr({1}));
  if (failed(batchSize))
    return failure();
  FailureOr<Value> target = node.create<llm::ConcatOp>(
      ValueRange{*batchSize, i64Vector(node, {hidden})}, b.getI64IntegerAttr(0));
  if (failed(target))
    return failure();
  return broadcastToRunTimeShape(node, zeros, *target);
}

/// `value` cast to `type` where it is more static.
Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  return value.getType() == type ? value : Value(tensor::CastOp::create(b, loc, type, value));
}

/// The size of dim `d` of `value`, as a fold result.
OpFoldResult dimSize(OpBuilder &b, Location loc, Value value, int64_t d) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.isDynamicDim(d))
    return b.getIndexAttr(type.getDimSize(d));
  return tensor::DimOp::create(b, loc, value, d).getResult();
}

LogicalResult recurrent(NodeContext &node, Cell cell) {
  Builder b{node};
  RankedTensorType xType = node.inputType(0);
  if (xType.getRank() != 3) {
    node.error() << "expected an input X of rank 3, got " << xType;
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
  if (ShapedType::isDynamic(inputSize)) {
    node.error() << "the input size (dim 2 of X, " << xType << ") must be static";
    return failure();
  }
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
    Value zeros;
    if (!node.hasInput(5) || (cell == Cell::Lstm && !node.hasInput(6))) {
      zeros = b.check(zeroState(node, x, batch, hidden, element));
      if (!zeros)
        return failure();
    }
    Value h =
        node.hasInput(5) ? b.reshape(b.slice(node.input(5), 0, d, d + 1), {batch, hidden}) : zeros;
    Value c;
    if (cell == Cell::Lstm)
      c = node.hasInput(6) ? b.reshape(b.slice(node.input(6), 0, d, d + 1), {batch, hidden})
                           : zeros;
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
    // One time step from input xt [batch, inputSize] and the state in h (and c), which it
    // updates; returns the step's output. `time` is the step's index as a scalar of the
    // lengths' type, for masking.
    auto step = [&](Value xt, Value &h, Value &c, Value time) -> Value {
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
      if (lengths && !b.failedAny) {
        Value active = b.check(node.create<llm::GreaterOp>(lengths, time));
        if (b.failedAny)
          return {};
        newH = b.select(active, newH, h);
        if (newC)
          newC = b.select(active, newC, c);
        output = b.select(active, output, node.scalar(0.0, element));
      }
      if (b.failedAny)
        return {};
      h = newH;
      if (newC)
        c = newC;
      return b.reshape(output, {1, 1, batch, hidden});
    };
    Type lengthElement =
        lengths ? cast<RankedTensorType>(lengths.getType()).getElementType() : Type();
    OpBuilder &ob = node.builder;
    Location loc = node.loc;
    // X at step `t`, [batch, inputSize]; llm.slice needs static bounds, so a dynamic batch
    // takes a tensor slice.
    auto stepInput = [&](OpFoldResult t) -> Value {
      if (b.failedAny)
        return {};
      std::optional<int64_t> known = getConstantIntValue(t);
      if (known && !ShapedType::isDynamic(batch))
        return b.reshape(b.slice(x, 0, *known, *known + 1), {batch, inputSize});
      return tensor::ExtractSliceOp::create(
          ob, loc, RankedTensorType::get({batch, inputSize}, element), x,
          ArrayRef<OpFoldResult>{t, ob.getIndexAttr(0), ob.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{ob.getIndexAttr(1), dimSize(ob, loc, x, 1),
                                 ob.getIndexAttr(inputSize)},
          ArrayRef<OpFoldResult>{ob.getIndexAttr(1), ob.getIndexAttr(1), ob.getIndexAttr(1)});
    };
    if (!ShapedType::isDynamic(steps)) {
      SmallVector<Value> stepOutputs(steps);
      for (int64_t s = 0; s < steps; ++s) {
        int64_t t = reverse ? steps - 1 - s : s;
        Value xt = stepInput(ob.getIndexAttr(t));
        Value time = lengths ? node.scalar(double(t), lengthElement) : Value();
        stepOutputs[t] = step(xt, h, c, time);
        if (b.failedAny)
          return failure();
      }
      outputs.push_back(b.concat(stepOutputs, 0));
    } else {
      // The steps as a loop: Y [steps, 1, batch, hidden] is filled one step at a time.
      Value zero = arith::ConstantIndexOp::create(ob, loc, 0);
      Value one = arith::ConstantIndexOp::create(ob, loc, 1);
      Value count = tensor::DimOp::create(ob, loc, x, 0);
      SmallVector<Value> dynamicSizes = {count};
      if (ShapedType::isDynamic(batch))
        dynamicSizes.push_back(tensor::DimOp::create(ob, loc, x, 1));
      auto outputType = RankedTensorType::get({steps, 1, batch, hidden}, element);
      Value buffer = tensor::EmptyOp::create(ob, loc, outputType.getShape(), element, dynamicSizes);
      SmallVector<Value> inits = {buffer, h};
      if (c)
        inits.push_back(c);
      Type hType = h.getType(), cType = c ? c.getType() : Type();
      auto loop = scf::ForOp::create(ob, loc, zero, count, one, inits);
      {
        OpBuilder::InsertionGuard guard(ob);
        Block *body = loop.getBody();
        if (body->mightHaveTerminator())
          body->getTerminator()->erase();
        ob.setInsertionPointToEnd(body);
        Value t = loop.getInductionVar();
        if (reverse)
          t = arith::SubIOp::create(ob, loc, arith::SubIOp::create(ob, loc, count, one), t);
        Value xt = stepInput(t);
        Value time;
        if (lengths) {
          Value index = arith::IndexCastOp::create(ob, loc, lengthElement, t);
          time = tensor::FromElementsOp::create(ob, loc, RankedTensorType::get({}, lengthElement),
                                                ValueRange{index});
        }
        Value stateH = loop.getRegionIterArgs()[1];
        Value stateC = c ? loop.getRegionIterArgs()[2] : Value();
        Value output = step(xt, stateH, stateC, time);
        if (b.failedAny)
          return failure();
        output = castTo(ob, loc, output, RankedTensorType::get({1, 1, batch, hidden}, element));
        Value slot = loop.getRegionIterArgs()[0];
        Value written = tensor::InsertSliceOp::create(
            ob, loc, output, slot,
            ArrayRef<OpFoldResult>{t, ob.getIndexAttr(0), ob.getIndexAttr(0), ob.getIndexAttr(0)},
            ArrayRef<OpFoldResult>{ob.getIndexAttr(1), ob.getIndexAttr(1),
                                   dimSize(ob, loc, slot, 2), ob.getIndexAttr(hidden)},
            ArrayRef<OpFoldResult>(SmallVector<OpFoldResult>(4, ob.getIndexAttr(1))));
        SmallVector<Value> yielded = {written, castTo(ob, loc, stateH, hType)};
        if (stateC)
          yielded.push_back(castTo(ob, loc, stateC, cType));
        scf::YieldOp::create(ob, loc, yielded);
      }
      outputs.push_back(loop.getResult(0));
      h = loop.getResult(1);
      if (c)
        c = loop.getResult(2);
    }
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
