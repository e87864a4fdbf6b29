//===- Indexing.cpp - ONNX scans, top-k, scatter/gather, einsum and local norms -===//
#include "frontends/onnx/Importer.h"

#include "dialects/llm/IR/LLMShapes.h"
#include "mlir/IR/Matchers.h"

#include <map>

using namespace mlir;
using namespace llmc;

namespace llmc::onnx_frontend {
namespace {

using llm::shapes::formatShape;

bool isDynamic(int64_t size) { return ShapedType::isDynamic(size); }

/// `value` with `element` elements (llm.cast), unchanged when it has them already.
Value castTo(NodeContext &node, Value value, Type element) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType() == element)
    return value;
  return llm::CastOp::create(node.builder, node.loc, type.clone(element), value);
}

/// Checks that input `index` holds exactly one integer (or, with `allowFloat`, one number).
LogicalResult expectOneNumber(NodeContext &node, int index, const char *name, bool allowFloat) {
  RankedTensorType type = node.inputType(index);
  Type element = type.getElementType();
  bool numeric = isa<IntegerType>(element) && !element.isInteger(1);
  if (allowFloat)
    numeric |= isa<FloatType>(element);
  if (!numeric || type.getRank() > 1 || llm::shapes::numElements(type.getShape()) != 1) {
    node.error() << name << " must hold one " << (allowFloat ? "number" : "integer") << ", got "
                 << type;
    return failure();
  }
  return success();
}

/// The static reshape of `value` to `shape`, refused when more than one dim would be unknown
/// (the static llm.reshape derives at most one).
FailureOr<Value> reshapeStatic(NodeContext &node, Value value, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == shape)
    return value;
  if (llvm::count_if(shape, isDynamic) > 1) {
    node.error() << "reshaping " << formatShape(type.getShape()) << " to " << formatShape(shape)
                 << " leaves more than one dim unknown; give static shapes with --input-shape";
    return failure();
  }
  return node.reshape(value, shape);
}

/// The product of sizes: kDynamic when one is.
int64_t productOf(ArrayRef<int64_t> sizes) { return llm::shapes::numElements(sizes); }

//===----------------------------------------------------------------------===//
// CumSum
//===----------------------------------------------------------------------===//

/// CumSum with a constant axis is one llm.cumsum. An axis known only at run time picks, with
/// llm.select, among the sums along every axis.
LogicalResult cumSum(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  if (rank == 0) {
    node.error() << "CumSum needs an input of rank 1 or more";
    return failure();
  }
  if (failed(expectOneNumber(node, 1, "axis", false)))
    return failure();
  OpBuilder &b = node.builder;
  auto sumAlong = [&](int64_t axis) {
    return node.create<llm::CumSumOp>(node.input(0), b.getI64IntegerAttr(axis),
                                      b.getBoolAttr(node.intAttr("exclusive", 0) != 0),
                                      b.getBoolAttr(node.intAttr("reverse", 0) != 0));
  };
  if (std::optional<std::vector<int64_t>> axis = node.constantInts(1)) {
    FailureOr<int64_t> normalized = node.normalizeAxis(axis->front(), rank);
    if (failed(normalized))
      return failure();
    FailureOr<Value> result = sumAlong(*normalized);
    if (failed(result))
      return failure();
    node.setOutput(0, *result);
    return success();
  }
  FailureOr<Value> axis = node.reshape(node.input(1), {});
  if (failed(axis))
    return failure();
  Type axisElement = node.inputType(1).getElementType();
  // The last axis is also what an out-of-range axis gets.
  FailureOr<Value> result = sumAlong(rank - 1);
  if (failed(result))
    return failure();
  for (int64_t dim = rank - 2; dim >= 0; --dim) {
    FailureOr<Value> sum = sumAlong(dim);
    FailureOr<Value> isDim = node.create<llm::EqualOp>(*axis, node.scalar(dim, axisElement));
    FailureOr<Value> isNegativeDim =
        node.create<llm::EqualOp>(*axis, node.scalar(dim - rank, axisElement));
    if (failed(sum) || failed(isDim) || failed(isNegativeDim))
      return failure();
    FailureOr<Value> chosen = node.create<llm::OrOp>(*isDim, *isNegativeDim);
    if (failed(chosen))
      return failure();
    result = node.create<llm::SelectOp>(*chosen, *sum, *result);
    if (failed(result))
      return failure();
  }
  node.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// OneHot and EyeLike
//===----------------------------------------------------------------------===//

/// 0, 1, ..., n-1 as i64, with n known only at run time: the exclusive running sum of ones.
FailureOr<Value> runTimeIota(NodeContext &node, Value count) {
  OpBuilder &b = node.builder;
  FailureOr<Value> shape = node.reshape(count, {1});
  if (failed(shape))
    return failure();
  Value ones = llm::BroadcastToOp::create(
      b, node.loc, RankedTensorType::get({ShapedType::kDynamic}, b.getI64Type()),
      node.scalar(1, b.getI64Type()), *shape);
  return node.create<llm::CumSumOp>(ones, b.getI64IntegerAttr(0), b.getBoolAttr(true),
                                    b.getBoolAttr(false));
}

/// OneHot: `values[1]` where the position along `axis` equals the index (negative indices
/// count from the end of depth), `values[0]` elsewhere. The positions broadcast against the
/// indices with a unit dim at `axis`, so depth may be known only at run time.
LogicalResult oneHot(NodeContext &node) {
  RankedTensorType indicesType = node.inputType(0), valuesType = node.inputType(2);
  int64_t rank = indicesType.getRank() + 1;
  FailureOr<int64_t> axis = node.normalizeAxis(node.intAttr("axis", -1), rank);
  if (failed(axis) || failed(expectOneNumber(node, 1, "depth", true)))
    return failure();
  if (valuesType.getRank() != 1 || valuesType.getDimSize(0) != 2) {
    node.error() << "values must be a tensor of 2 elements (off, on), got " << valuesType;
    return failure();
  }
  Type indexElement = indicesType.getElementType();
  if (!isa<IntegerType, FloatType>(indexElement) || indexElement.isInteger(1)) {
    node.error() << "indices must be numbers, got " << indicesType;
    return failure();
  }
  OpBuilder &b = node.builder;
  Type i64 = b.getI64Type();
  SmallVector<int64_t> unitShape(rank, 1);
  Value positions, depth;
  DenseElementsAttr constantDepth;
  if (matchPattern(node.input(1), m_Constant(&constantDepth))) {
    double value = firstElementAsDouble(constantDepth);
    if (!(value >= 1 && value < double(int64_t(1) << 40))) {
      node.error() << "depth must be a positive count, got " << value;
      return failure();
    }
    int64_t count = int64_t(value);
    unitShape[*axis] = count;
    positions = node.constant(
        DenseElementsAttr::get(RankedTensorType::get(unitShape, i64),
                               ArrayRef<int64_t>(llvm::to_vector(llvm::seq<int64_t>(0, count)))));
    depth = node.scalar(double(count), i64);
  } else {
    FailureOr<Value> scalarDepth = node.reshape(castTo(node, node.input(1), i64), {});
    if (failed(scalarDepth))
      return failure();
    depth = *scalarDepth;
    FailureOr<Value> iota = runTimeIota(node, depth);
    if (failed(iota))
      return failure();
    unitShape[*axis] = ShapedType::kDynamic;
    FailureOr<Value> shaped = node.reshape(*iota, unitShape);
    if (failed(shaped))
      return failure();
    positions = *shaped;
  }
  Value indices = castTo(node, node.input(0), i64);
  FailureOr<Value> isNegative = node.create<llm::LessOp>(indices, node.scalar(0, i64));
  FailureOr<Value> wrapped = node.create<llm::AddOp>(indices, depth);
  if (failed(isNegative) || failed(wrapped))
    return failure();
  FailureOr<Value> normalized = node.create<llm::SelectOp>(*isNegative, *wrapped, indices);
  if (failed(normalized))
    return failure();
  SmallVector<int64_t> withUnit(indicesType.getShape());
  withUnit.insert(withUnit.begin() + *axis, 1);
  FailureOr<Value> expanded = reshapeStatic(node, *normalized, withUnit);
  if (failed(expanded))
    return failure();
  FailureOr<Value> mask = node.create<llm::EqualOp>(positions, *expanded);
  if (failed(mask))
    return failure();
  auto pick = [&](int64_t index) -> FailureOr<Value> {
    FailureOr<Value> slice =
        node.create<llm::SliceOp>(node.input(2), b.getDenseI64ArrayAttr({index}),
                                  b.getDenseI64ArrayAttr({index + 1}), b.getDenseI64ArrayAttr({1}));
    if (failed(slice))
      return failure();
    return node.reshape(*slice, {});
  };
  FailureOr<Value> off = pick(0), on = pick(1);
  if (failed(off) || failed(on))
    return failure();
  FailureOr<Value> result = node.create<llm::SelectOp>(*mask, *on, *off);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// EyeLike of a statically shaped matrix is a constant: ones on diagonal k.
LogicalResult eyeLike(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  if (type.getRank() != 2 || !type.hasStaticShape()) {
    node.error() << "expected a 2-D input of static shape, got " << type;
    return failure();
  }
  Type element = type.getElementType();
  if (std::optional<int64_t> dtype = node.intAttr("dtype")) {
    std::string error;
    FailureOr<Type> converted = elementTypeOf(int32_t(*dtype), node.builder, error);
    if (failed(converted)) {
      node.error() << "dtype: " << error;
      return failure();
    }
    element = *converted;
  }
  int64_t rows = type.getDimSize(0), columns = type.getDimSize(1), k = node.intAttr("k", 0);
  SmallVector<Attribute> values;
  Attribute zero = isa<FloatType>(element) ? Attribute(node.builder.getFloatAttr(element, 0.0))
                                           : Attribute(node.builder.getIntegerAttr(element, 0));
  Attribute one = isa<FloatType>(element) ? Attribute(node.builder.getFloatAttr(element, 1.0))
                                          : Attribute(node.builder.getIntegerAttr(element, 1));
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t column = 0; column < columns; ++column)
      values.push_back(column - row == k ? one : zero);
  node.setOutput(0, node.constant(DenseElementsAttr::get(type.clone(element), values)));
  return success();
}

//===----------------------------------------------------------------------===//
// TopK
//===----------------------------------------------------------------------===//

/// TopK: llm.topk gives the positions, an llm.gather_elements the values. A constant k makes
/// the axis dim static.
LogicalResult topK(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  if (type.getRank() == 0) {
    node.error() << "TopK needs an input of rank 1 or more";
    return failure();
  }
  FailureOr<int64_t> axis = node.normalizeAxis(node.intAttr("axis", -1), type.getRank());
  if (failed(axis))
    return failure();
  OpBuilder &b = node.builder;
  Value k;
  std::optional<int64_t> constantK;
  if (node.opset < 10) {
    std::optional<int64_t> attr = node.intAttr("k");
    if (!attr) {
      node.error() << "the 'k' attribute is required";
      return failure();
    }
    constantK = *attr;
    k = node.constant(DenseElementsAttr::get(RankedTensorType::get({1}, b.getI64Type()), *attr));
  } else {
    if (!node.hasInput(1)) {
      node.error() << "the k input is required";
      return failure();
    }
    if (failed(expectOneNumber(node, 1, "k", false)))
      return failure();
    k = node.input(1);
    if (std::optional<std::vector<int64_t>> values = node.constantInts(1))
      constantK = values->front();
  }
  int64_t size = type.getDimSize(*axis);
  if (constantK && (*constantK < 0 || (!isDynamic(size) && *constantK > size))) {
    node.error() << "k = " << *constantK << " is out of range for an axis of size " << size;
    return failure();
  }
  FailureOr<Value> positions = node.create<llm::TopKOp>(
      node.input(0), k, b.getI64IntegerAttr(*axis), b.getBoolAttr(node.intAttr("largest", 1) != 0));
  if (failed(positions))
    return failure();
  if (constantK) {
    auto positionsType = cast<RankedTensorType>(positions->getType());
    SmallVector<int64_t> shape(positionsType.getShape());
    shape[*axis] = *constantK;
    positions->setType(positionsType.clone(shape));
  }
  FailureOr<Value> values =
      node.create<llm::GatherElementsOp>(node.input(0), *positions, b.getI64IntegerAttr(*axis));
  if (failed(values))
    return failure();
  node.setOutput(0, *values);
  node.setOutput(1, *positions);
  return success();
}

//===----------------------------------------------------------------------===//
// GatherND and the scatters
//===----------------------------------------------------------------------===//

LogicalResult gatherNd(NodeContext &node) {
  FailureOr<Value> result = node.create<llm::GatherNdOp>(
      node.input(0), node.input(1), node.builder.getI64IntegerAttr(node.intAttr("batch_dims", 0)));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

FailureOr<std::string> reductionOf(NodeContext &node) {
  std::string reduction = node.stringAttr("reduction").value_or("none");
  bool known = reduction == "none" || reduction == "add" || reduction == "mul" ||
               (node.opset >= 18 && (reduction == "max" || reduction == "min"));
  if (!known) {
    node.error() << "reduction '" << reduction << "' is not one of none, add, mul"
                 << (node.opset >= 18 ? ", max, min" : "");
    return failure();
  }
  return reduction;
}

/// ScatterElements, and Scatter (its deprecated name, without reduction).
LogicalResult scatterElements(NodeContext &node) {
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.intAttr("axis", 0), node.inputType(0).getRank());
  FailureOr<std::string> reduction = reductionOf(node);
  if (failed(axis) || failed(reduction))
    return failure();
  FailureOr<Value> result = node.create<llm::ScatterElementsOp>(
      node.input(0), node.input(1), node.input(2), node.builder.getI64IntegerAttr(*axis),
      node.builder.getStringAttr(*reduction));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult scatterNd(NodeContext &node) {
  FailureOr<std::string> reduction = reductionOf(node);
  if (failed(reduction))
    return failure();
  FailureOr<Value> result = node.create<llm::ScatterNdOp>(
      node.input(0), node.input(1), node.input(2), node.builder.getStringAttr(*reduction));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

/// An operand of the contraction with one label per dim. Letters are their characters;
/// broadcast (ellipsis) dims are labels from kEllipsis up, aligned at the right.
struct Labeled {
  Value value;
  SmallVector<int> labels;

  RankedTensorType type() const { return cast<RankedTensorType>(value.getType()); }
};

constexpr int kEllipsis = 1000;

class EinsumBuilder {
public:
  explicit EinsumBuilder(NodeContext &node) : node(node) {}

  LogicalResult run() {
    std::string equation;
    if (std::optional<std::string> attr = node.stringAttr("equation"))
      for (char c : *attr)
        if (c != ' ')
          equation.push_back(c);
    if (equation.empty())
      return fail("the 'equation' attribute is required");
    size_t arrow = equation.find("->");
    std::string inputs = equation.substr(0, arrow);
    // Empty terms are rank-0 operands, so split keeping them.
    SmallVector<std::string> terms(1);
    for (char c : inputs) {
      if (c == ',')
        terms.emplace_back();
      else
        terms.back().push_back(c);
    }
    if (int(terms.size()) != node.numInputs())
      return fail("the equation has " + std::to_string(terms.size()) + " operand term(s), but " +
                  std::to_string(node.numInputs()) + " input(s) are given");
    SmallVector<Labeled> operands;
    int ellipsisRank = 0;
    for (auto [index, term] : llvm::enumerate(terms)) {
      FailureOr<Labeled> operand = parseTerm(term, int(index), ellipsisRank);
      if (failed(operand))
        return failure();
      operands.push_back(*operand);
    }
    SmallVector<int> output;
    if (arrow != std::string::npos) {
      std::string term = equation.substr(arrow + 2);
      if (term.find("->") != std::string::npos)
        return fail("the equation has more than one '->'");
      size_t dots = term.find("...");
      for (size_t i = 0; i < term.size(); ++i) {
        if (i == dots) {
          for (int e = 0; e < ellipsisRank; ++e)
            output.push_back(kEllipsis + e);
          i += 2;
          continue;
        }
        if (!std::isalpha(static_cast<unsigned char>(term[i])))
          return fail(std::string("'") + term[i] + "' is not a letter or '...'");
        if (llvm::is_contained(output, int(term[i])))
          return fail(std::string("output label '") + term[i] + "' appears twice");
        output.push_back(term[i]);
      }
    } else {
      // Implicit output: the broadcast dims, then the letters used once, in alphabetical order.
      for (int e = 0; e < ellipsisRank; ++e)
        output.push_back(kEllipsis + e);
      std::map<int, int> counts;
      for (const Labeled &operand : operands)
        for (int label : operand.labels)
          if (label < kEllipsis)
            ++counts[label];
      for (auto [label, count] : counts)
        if (count == 1)
          output.push_back(label);
    }
    if (failed(checkSizes(operands)))
      return failure();
    for (int label : output)
      if (!llvm::any_of(operands, [&](const Labeled &operand) {
            return llvm::is_contained(operand.labels, label);
          }))
        return fail("output label '" + describe(label) + "' is in no operand");

    for (Labeled &operand : operands)
      if (failed(takeDiagonals(operand)))
        return failure();
    Labeled result = operands.front();
    for (size_t next = 1; next < operands.size(); ++next) {
      SmallVector<int> keep(output);
      for (size_t later = next + 1; later < operands.size(); ++later)
        keep.append(operands[later].labels);
      FailureOr<Labeled> product = contract(result, operands[next], keep);
      if (failed(product))
        return failure();
      result = *product;
    }
    if (failed(sumOut(result, output)))
      return failure();
    SmallVector<int64_t> permutation;
    for (int label : output)
      permutation.push_back(llvm::find(result.labels, label) - result.labels.begin());
    FailureOr<Value> transposed = transpose(result.value, permutation);
    if (failed(transposed))
      return failure();
    node.setOutput(0, *transposed);
    return success();
  }

private:
  LogicalResult fail(const std::string &message) {
    node.error() << message;
    return failure();
  }

  static std::string describe(int label) {
    return label >= kEllipsis ? "..." : std::string(1, char(label));
  }

  FailureOr<Labeled> parseTerm(const std::string &term, int index, int &ellipsisRank) {
    Labeled operand{node.input(index), {}};
    int64_t rank = operand.type().getRank();
    size_t dots = term.find("...");
    if (dots != std::string::npos && term.find("...", dots + 3) != std::string::npos) {
      return fail("operand term '" + term + "' has more than one '...'");
    }
    int letters = int(term.size()) - (dots == std::string::npos ? 0 : 3);
    int broadcast = int(rank) - letters;
    if ((dots == std::string::npos && broadcast != 0) || broadcast < 0) {
      return fail("operand term '" + term + "' does not match input " + std::to_string(index) +
                  " of rank " + std::to_string(rank));
    }
    ellipsisRank = std::max(ellipsisRank, broadcast);
    for (size_t i = 0; i < term.size(); ++i) {
      if (i == dots) {
        // Aligned at the right: the last broadcast dim of every operand shares a label.
        for (int e = 0; e < broadcast; ++e)
          operand.labels.push_back(kEllipsis - broadcast + e);
        i += 2;
        continue;
      }
      if (!std::isalpha(static_cast<unsigned char>(term[i]))) {
        return fail(std::string("'") + term[i] + "' is not a letter or '...'");
      }
      operand.labels.push_back(term[i]);
    }
    return operand;
  }

  /// Broadcast labels are numbered from the right while parsing; once the widest ellipsis is
  /// known they are renumbered from kEllipsis, and sizes are checked label by label.
  LogicalResult checkSizes(SmallVectorImpl<Labeled> &operands) {
    int widest = 0;
    for (Labeled &operand : operands)
      for (int label : operand.labels)
        if (label < kEllipsis && label >= kEllipsis - 256)
          widest = std::max(widest, kEllipsis - label);
    for (Labeled &operand : operands)
      for (int &label : operand.labels)
        if (label < kEllipsis && label >= kEllipsis - 256)
          label = kEllipsis + (widest - (kEllipsis - label));
    std::map<int, int64_t> sizes;
    for (Labeled &operand : operands) {
      for (auto [dim, label] : llvm::enumerate(operand.labels)) {
        int64_t size = operand.type().getDimSize(dim);
        auto [it, inserted] = sizes.insert({label, size});
        if (inserted || isDynamic(size) || isDynamic(it->second) || size == it->second)
          continue;
        // Broadcast dims of size 1 stretch, as in NumPy.
        if (label >= kEllipsis && (size == 1 || it->second == 1)) {
          it->second = std::max(size, it->second);
          continue;
        }
        return fail("label '" + describe(label) + "' has sizes " + std::to_string(it->second) +
                    " and " + std::to_string(size));
      }
    }
    return success();
  }

  FailureOr<Value> transpose(Value value, ArrayRef<int64_t> permutation) {
    if (llvm::equal(permutation, llvm::seq<int64_t>(0, permutation.size())))
      return value;
    return node.create<llm::TransposeOp>(value, node.builder.getDenseI64ArrayAttr(permutation));
  }

  /// Repeated labels in one operand select its diagonal: the two dims move last, merge, and
  /// every (n+1)-th element is kept.
  LogicalResult takeDiagonals(Labeled &operand) {
    for (;;) {
      int first = -1, second = -1;
      for (int i = 0; i < int(operand.labels.size()) && first < 0; ++i)
        for (int j = i + 1; j < int(operand.labels.size()); ++j)
          if (operand.labels[i] == operand.labels[j]) {
            first = i;
            second = j;
            break;
          }
      if (first < 0)
        return success();
      RankedTensorType type = operand.type();
      int64_t n = type.getDimSize(first);
      if (isDynamic(n) || type.getDimSize(second) != n)
        return fail("the diagonal of label '" + describe(operand.labels[first]) +
                    "' needs equal static sizes, got " + formatShape(type.getShape()));
      SmallVector<int64_t> permutation;
      SmallVector<int> labels;
      SmallVector<int64_t> shape;
      for (int i = 0; i < int(operand.labels.size()); ++i)
        if (i != first && i != second) {
          permutation.push_back(i);
          labels.push_back(operand.labels[i]);
          shape.push_back(type.getDimSize(i));
        }
      permutation.push_back(first);
      permutation.push_back(second);
      FailureOr<Value> moved = transpose(operand.value, permutation);
      if (failed(moved))
        return failure();
      SmallVector<int64_t> merged(shape);
      merged.push_back(n * n);
      FailureOr<Value> flat = reshapeStatic(node, *moved, merged);
      if (failed(flat))
        return failure();
      int64_t rank = merged.size();
      SmallVector<int64_t> starts(rank, 0), ends(merged), steps(rank, 1);
      steps.back() = n + 1;
      OpBuilder &b = node.builder;
      FailureOr<Value> diagonal =
          node.create<llm::SliceOp>(*flat, b.getDenseI64ArrayAttr(starts),
                                    b.getDenseI64ArrayAttr(ends), b.getDenseI64ArrayAttr(steps));
      if (failed(diagonal))
        return failure();
      labels.push_back(operand.labels[first]);
      operand = Labeled{*diagonal, labels};
    }
  }

  /// Sums the dims whose labels are not in `keep`.
  LogicalResult sumOut(Labeled &operand, ArrayRef<int> keep) {
    SmallVector<int64_t> axes;
    SmallVector<int> labels;
    for (auto [dim, label] : llvm::enumerate(operand.labels)) {
      if (llvm::is_contained(keep, label))
        labels.push_back(label);
      else
        axes.push_back(dim);
    }
    if (axes.empty())
      return success();
    FailureOr<Value> sum = node.create<llm::ReduceSumOp>(
        operand.value, node.builder.getDenseI64ArrayAttr(axes), node.builder.getBoolAttr(false));
    if (failed(sum))
      return failure();
    operand = Labeled{*sum, labels};
    return success();
  }

  /// A batched matmul: [batch, lhs-only, contracted] x [batch, contracted, rhs-only].
  FailureOr<Labeled> contract(Labeled lhs, Labeled rhs, ArrayRef<int> keep) {
    SmallVector<int> lhsKeep(keep), rhsKeep(keep);
    lhsKeep.append(rhs.labels);
    rhsKeep.append(lhs.labels);
    if (failed(sumOut(lhs, lhsKeep)) || failed(sumOut(rhs, rhsKeep)))
      return failure();
    SmallVector<int> batch, contracted, lhsOnly, rhsOnly;
    for (int label : lhs.labels) {
      if (!llvm::is_contained(rhs.labels, label))
        lhsOnly.push_back(label);
      else if (llvm::is_contained(keep, label))
        batch.push_back(label);
      else
        contracted.push_back(label);
    }
    for (int label : rhs.labels)
      if (!llvm::is_contained(lhs.labels, label))
        rhsOnly.push_back(label);
    auto arrange = [&](Labeled &operand, ArrayRef<ArrayRef<int>> groups,
                       SmallVectorImpl<SmallVector<int64_t>> &groupSizes) -> FailureOr<Value> {
      SmallVector<int64_t> permutation;
      for (ArrayRef<int> group : groups) {
        groupSizes.emplace_back();
        for (int label : group) {
          int64_t dim = llvm::find(operand.labels, label) - operand.labels.begin();
          permutation.push_back(dim);
          groupSizes.back().push_back(operand.type().getDimSize(dim));
        }
      }
      return transpose(operand.value, permutation);
    };
    SmallVector<SmallVector<int64_t>> lhsSizes, rhsSizes;
    FailureOr<Value> lhsArranged = arrange(lhs, {batch, lhsOnly, contracted}, lhsSizes);
    FailureOr<Value> rhsArranged = arrange(rhs, {batch, contracted, rhsOnly}, rhsSizes);
    if (failed(lhsArranged) || failed(rhsArranged))
      return failure();
    SmallVector<int64_t> lhsShape(lhsSizes[0]), rhsShape(rhsSizes[0]);
    lhsShape.append({productOf(lhsSizes[1]), productOf(lhsSizes[2])});
    rhsShape.append({productOf(rhsSizes[1]), productOf(rhsSizes[2])});
    FailureOr<Value> lhsMatrix = reshapeStatic(node, *lhsArranged, lhsShape);
    FailureOr<Value> rhsMatrix = reshapeStatic(node, *rhsArranged, rhsShape);
    if (failed(lhsMatrix) || failed(rhsMatrix))
      return failure();
    FailureOr<Value> product = node.create<llm::MatmulOp>(*lhsMatrix, *rhsMatrix);
    if (failed(product))
      return failure();
    auto productType = cast<RankedTensorType>(product->getType());
    SmallVector<int64_t> shape(productType.getShape().drop_back(2));
    shape.append(lhsSizes[1]);
    shape.append(rhsSizes[2]);
    FailureOr<Value> result = reshapeStatic(node, *product, shape);
    if (failed(result))
      return failure();
    SmallVector<int> labels(batch);
    labels.append(lhsOnly);
    labels.append(rhsOnly);
    return Labeled{*result, labels};
  }

  NodeContext &node;
};

LogicalResult einsum(NodeContext &node) { return EinsumBuilder(node).run(); }

//===----------------------------------------------------------------------===//
// Det, LRN, MeanVarianceNormalization, ReverseSequence, MaxUnpool
//===----------------------------------------------------------------------===//

LogicalResult det(NodeContext &node) {
  FailureOr<Value> result = node.create<llm::DetOp>(node.input(0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// LRN: x / (bias + alpha / size * sum of squares over `size` neighbouring channels)^beta. The
/// windowed sum is an average pool (padding counted) over the channel dim of [N, 1, C, rest].
LogicalResult lrn(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  std::optional<int64_t> size = node.intAttr("size");
  if (rank < 3 || !size || *size < 1 || *size > (int64_t(1) << 20)) {
    node.error() << "expected an input of rank 3 or more and a positive 'size' attribute";
    return failure();
  }
  SmallVector<int64_t> spatial(type.getShape().drop_front(2));
  int64_t channels = type.getDimSize(1), rest = productOf(spatial);
  if (isDynamic(channels) || isDynamic(rest)) {
    node.error() << "LRN needs static channel and spatial sizes, got "
                 << formatShape(type.getShape());
    return failure();
  }
  if (!isa<FloatType>(type.getElementType())) {
    node.error() << "LRN needs float elements, got " << type;
    return failure();
  }
  OpBuilder &b = node.builder;
  Type element = type.getElementType();
  Value x = node.input(0);
  FailureOr<Value> squares = node.create<llm::MulOp>(x, x);
  if (failed(squares))
    return failure();
  FailureOr<Value> columns = reshapeStatic(node, *squares, {type.getDimSize(0), 1, channels, rest});
  if (failed(columns))
    return failure();
  int64_t before = (*size - 1) / 2, after = *size - 1 - before;
  FailureOr<Value> mean = node.create<llm::AvgPoolOp>(
      *columns, b.getDenseI64ArrayAttr({*size, 1}), b.getDenseI64ArrayAttr({1, 1}),
      b.getDenseI64ArrayAttr({1, 1}), b.getDenseI64ArrayAttr({before, 0, after, 0}),
      b.getBoolAttr(false), b.getBoolAttr(true));
  if (failed(mean))
    return failure();
  FailureOr<Value> meanShaped = reshapeStatic(node, *mean, type.getShape());
  if (failed(meanShaped))
    return failure();
  FailureOr<Value> scaled =
      node.create<llm::MulOp>(*meanShaped, node.scalar(node.floatAttr("alpha", 1e-4f), element));
  if (failed(scaled))
    return failure();
  FailureOr<Value> shifted =
      node.create<llm::AddOp>(*scaled, node.scalar(node.floatAttr("bias", 1.0f), element));
  if (failed(shifted))
    return failure();
  FailureOr<Value> divisor =
      node.create<llm::PowOp>(*shifted, node.scalar(node.floatAttr("beta", 0.75f), element));
  if (failed(divisor))
    return failure();
  FailureOr<Value> result = node.create<llm::DivOp>(x, *divisor);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// MeanVarianceNormalization, as its ONNX function: (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9).
LogicalResult meanVarianceNormalization(NodeContext &node) {
  RankedTensorType type = node.inputType(0);
  int64_t rank = type.getRank();
  std::vector<int64_t> axes = node.intsAttr("axes").value_or(std::vector<int64_t>{0, 2, 3});
  SmallVector<int64_t> normalized;
  for (int64_t axis : axes) {
    FailureOr<int64_t> dim = node.normalizeAxis(axis, rank, "axes entry");
    if (failed(dim))
      return failure();
    if (llvm::is_contained(normalized, *dim)) {
      node.error() << "axes entry " << axis << " is repeated";
      return failure();
    }
    normalized.push_back(*dim);
  }
  llvm::sort(normalized);
  if (!isa<FloatType>(type.getElementType())) {
    node.error() << "MeanVarianceNormalization needs float elements, got " << type;
    return failure();
  }
  OpBuilder &b = node.builder;
  Value x = node.input(0);
  auto axesAttr = b.getDenseI64ArrayAttr(normalized);
  FailureOr<Value> mean = node.create<llm::ReduceMeanOp>(x, axesAttr, b.getBoolAttr(true));
  FailureOr<Value> squares = node.create<llm::MulOp>(x, x);
  if (failed(mean) || failed(squares))
    return failure();
  FailureOr<Value> meanOfSquares =
      node.create<llm::ReduceMeanOp>(*squares, axesAttr, b.getBoolAttr(true));
  FailureOr<Value> squaredMean = node.create<llm::MulOp>(*mean, *mean);
  if (failed(meanOfSquares) || failed(squaredMean))
    return failure();
  FailureOr<Value> variance = node.create<llm::SubOp>(*meanOfSquares, *squaredMean);
  if (failed(variance))
    return failure();
  Value deviation = llm::SqrtOp::create(b, node.loc, *variance);
  FailureOr<Value> divisor =
      node.create<llm::AddOp>(deviation, node.scalar(1e-9, type.getElementType()));
  FailureOr<Value> centered = node.create<llm::SubOp>(x, *mean);
  if (failed(divisor) || failed(centered))
    return failure();
  FailureOr<Value> result = node.create<llm::DivOp>(*centered, *divisor);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// ReverseSequence: a gather along the time axis at lens[b] - 1 - t for t < lens[b] (lens
/// clamped into [0, T]), at t elsewhere.
LogicalResult reverseSequence(NodeContext &node) {
  RankedTensorType type = node.inputType(0), lensType = node.inputType(1);
  int64_t rank = type.getRank();
  int64_t batchAxis = node.intAttr("batch_axis", 1), timeAxis = node.intAttr("time_axis", 0);
  if (rank < 2 || !type.hasStaticShape()) {
    node.error() << "expected an input of rank 2 or more with a static shape, got " << type;
    return failure();
  }
  if (!((batchAxis == 0 && timeAxis == 1) || (batchAxis == 1 && timeAxis == 0))) {
    node.error() << "batch_axis and time_axis must be 0 and 1 in some order, got " << batchAxis
                 << " and " << timeAxis;
    return failure();
  }
  int64_t batch = type.getDimSize(batchAxis), time = type.getDimSize(timeAxis);
  if (lensType.getRank() != 1 || !isa<IntegerType>(lensType.getElementType()) ||
      lensType.getElementType().isInteger(1) ||
      (!lensType.isDynamicDim(0) && lensType.getDimSize(0) != batch)) {
    node.error() << "sequence_lens must be " << batch << " integers, got " << lensType;
    return failure();
  }
  OpBuilder &b = node.builder;
  Type i64 = b.getI64Type();
  SmallVector<int64_t> timeShape(rank, 1), batchShape(rank, 1);
  timeShape[timeAxis] = time;
  batchShape[batchAxis] = batch;
  Value steps = node.constant(
      DenseElementsAttr::get(RankedTensorType::get(timeShape, i64),
                             ArrayRef<int64_t>(llvm::to_vector(llvm::seq<int64_t>(0, time)))));
  FailureOr<Value> lens = node.reshape(castTo(node, node.input(1), i64), batchShape);
  if (failed(lens))
    return failure();
  FailureOr<Value> low = node.create<llm::MaxOp>(*lens, node.scalar(0, i64));
  if (failed(low))
    return failure();
  FailureOr<Value> clamped = node.create<llm::MinOp>(*low, node.scalar(double(time), i64));
  if (failed(clamped))
    return failure();
  FailureOr<Value> last = node.create<llm::SubOp>(*clamped, node.scalar(1, i64));
  if (failed(last))
    return failure();
  FailureOr<Value> reversed = node.create<llm::SubOp>(*last, steps);
  FailureOr<Value> inside = node.create<llm::LessOp>(steps, *clamped);
  if (failed(reversed) || failed(inside))
    return failure();
  FailureOr<Value> source = node.create<llm::SelectOp>(*inside, *reversed, steps);
  if (failed(source))
    return failure();
  // Every position of x needs its own index: broadcast through a select on an all-true mask.
  Value everywhere = node.constant(DenseElementsAttr::get(type.clone(b.getI1Type()), true));
  FailureOr<Value> indices = node.create<llm::SelectOp>(everywhere, *source, *source);
  if (failed(indices))
    return failure();
  FailureOr<Value> result =
      node.create<llm::GatherElementsOp>(node.input(0), *indices, b.getI64IntegerAttr(timeAxis));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// MaxUnpool, as the ONNX reference defines it: the values are scattered into zeros at their
/// flat positions in the shape the window implies, and that block sits at the start of every
/// dim of `output_shape` when one is given (then the pads are ignored). The positions are
/// re-flattened for the output's strides, which may be known only at run time, so one scatter
/// writes the output.
LogicalResult maxUnpool(NodeContext &node) {
  RankedTensorType type = node.inputType(0), indicesType = node.inputType(1);
  int64_t rank = type.getRank(), spatial = rank - 2;
  if (rank < 3 || !type.hasStaticShape() || indicesType.getShape() != type.getShape() ||
      !isa<IntegerType>(indicesType.getElementType())) {
    node.error() << "expected a static input of rank 3 or more and integer indices of its shape, "
                    "got "
                 << type << " and " << indicesType;
    return failure();
  }
  std::optional<std::vector<int64_t>> kernel = node.intsAttr("kernel_shape");
  std::vector<int64_t> strides =
      node.intsAttr("strides").value_or(std::vector<int64_t>(spatial, 1));
  std::vector<int64_t> pads = node.intsAttr("pads").value_or(std::vector<int64_t>(2 * spatial, 0));
  if (!kernel || int64_t(kernel->size()) != spatial || int64_t(strides.size()) != spatial ||
      int64_t(pads.size()) != 2 * spatial) {
    node.error() << "kernel_shape and strides need one entry per spatial dim, pads two";
    return failure();
  }
  bool hasOutputShape = node.hasInput(2);
  SmallVector<int64_t> inferred = {type.getDimSize(0), type.getDimSize(1)};
  for (int64_t s = 0; s < spatial; ++s)
    inferred.push_back((type.getDimSize(s + 2) - 1) * strides[s] + (*kernel)[s] -
                       (hasOutputShape ? 0 : pads[s] + pads[s + spatial]));
  if (llvm::any_of(inferred, [](int64_t size) { return size < 0; }) ||
      productOf(inferred) == ShapedType::kDynamic) {
    node.error() << "the unpooled shape " << formatShape(inferred) << " is not a valid shape";
    return failure();
  }
  OpBuilder &b = node.builder;
  Type element = type.getElementType(), i64 = b.getI64Type();
  int64_t count = type.getNumElements();
  FailureOr<Value> values = node.reshape(node.input(0), {count});
  FailureOr<Value> positions = node.reshape(castTo(node, node.input(1), i64), {count});
  if (failed(values) || failed(positions))
    return failure();
  Attribute zeroAttr = isa<FloatType>(element) ? Attribute(b.getFloatAttr(element, 0.0))
                                               : Attribute(b.getIntegerAttr(element, 0));
  auto scatterInto = [&](Value zeros, Value at) {
    return node.create<llm::ScatterElementsOp>(zeros, at, *values, b.getI64IntegerAttr(0),
                                               b.getStringAttr("none"));
  };
  if (!hasOutputShape) {
    Value zeros = node.constant(
        DenseElementsAttr::get(RankedTensorType::get({productOf(inferred)}, element), zeroAttr));
    FailureOr<Value> scattered = scatterInto(zeros, *positions);
    if (failed(scattered))
      return failure();
    FailureOr<Value> result = node.reshape(*scattered, inferred);
    if (failed(result))
      return failure();
    node.setOutput(0, *result);
    return success();
  }
  RankedTensorType shapeType = node.inputType(2);
  if (shapeType.getRank() != 1 || shapeType.getDimSize(0) != rank ||
      !isa<IntegerType>(shapeType.getElementType())) {
    node.error() << "output_shape must be " << rank << " integers, got " << shapeType;
    return failure();
  }
  std::optional<std::vector<int64_t>> outputShape = node.constantInts(2);
  if (outputShape) {
    for (auto [size, least] : llvm::zip_equal(*outputShape, inferred))
      if (size < least) {
        node.error() << "output_shape " << formatShape(*outputShape)
                     << " is smaller than the unpooled shape " << formatShape(inferred);
        return failure();
      }
  }
  // The output's row-major strides, as i64 scalars.
  SmallVector<Value> outputStrides(rank);
  Value stride = node.scalar(1, i64);
  Value shapeI64 = castTo(node, node.input(2), i64);
  for (int64_t dim = rank - 1; dim >= 0; --dim) {
    outputStrides[dim] = stride;
    FailureOr<Value> entry =
        node.create<llm::SliceOp>(shapeI64, b.getDenseI64ArrayAttr({dim}),
                                  b.getDenseI64ArrayAttr({dim + 1}), b.getDenseI64ArrayAttr({1}));
    if (failed(entry))
      return failure();
    FailureOr<Value> size = node.reshape(*entry, {});
    if (failed(size))
      return failure();
    FailureOr<Value> next = node.create<llm::MulOp>(stride, *size);
    if (failed(next))
      return failure();
    stride = *next;
  }
  // Unflatten each position in the unpooled shape, then flatten it for the output's strides.
  Value remaining = *positions, moved = node.scalar(0, i64);
  for (int64_t dim = rank - 1; dim >= 0; --dim) {
    Value size = node.scalar(double(inferred[dim]), i64);
    FailureOr<Value> quotient = node.create<llm::DivOp>(remaining, size);
    if (failed(quotient))
      return failure();
    FailureOr<Value> whole = node.create<llm::MulOp>(*quotient, size);
    if (failed(whole))
      return failure();
    FailureOr<Value> coordinate = node.create<llm::SubOp>(remaining, *whole);
    if (failed(coordinate))
      return failure();
    FailureOr<Value> offset = node.create<llm::MulOp>(*coordinate, outputStrides[dim]);
    if (failed(offset))
      return failure();
    FailureOr<Value> sum = node.create<llm::AddOp>(moved, *offset);
    if (failed(sum))
      return failure();
    moved = *sum;
    remaining = *quotient;
  }
  if (outputShape) {
    Value zeros = node.constant(DenseElementsAttr::get(
        RankedTensorType::get({productOf(*outputShape)}, element), zeroAttr));
    FailureOr<Value> scattered = scatterInto(zeros, moved);
    if (failed(scattered))
      return failure();
    FailureOr<Value> result = node.reshape(*scattered, *outputShape);
    if (failed(result))
      return failure();
    node.setOutput(0, *result);
    return success();
  }
  // The shape is known only at run time: zeros of that shape, flattened and back.
  auto dynamicType =
      RankedTensorType::get(SmallVector<int64_t>(rank, ShapedType::kDynamic), element);
  Value zeros =
      llm::BroadcastToOp::create(b, node.loc, dynamicType, node.scalar(0.0, element), shapeI64);
  FailureOr<Value> flat = node.reshape(zeros, {ShapedType::kDynamic});
  if (failed(flat))
    return failure();
  FailureOr<Value> scattered = scatterInto(*flat, moved);
  if (failed(scattered))
    return failure();
  node.setOutput(0, llm::ReshapeOp::create(b, node.loc, dynamicType, *scattered, shapeI64));
  return success();
}

} // namespace

void registerIndexingOps(OpRegistry &registry) {
  registry.add({"CumSum", 11, 2, 2, 1, 1, cumSum});
  registry.add({"OneHot", 9, 3, 3, 1, 1, oneHot});
  registry.add({"EyeLike", 9, 1, 1, 1, 1, eyeLike});
  registry.add({"TopK", 1, 1, 2, 2, 2, topK});
  registry.add({"GatherND", 11, 2, 2, 1, 1, gatherNd});
  registry.add({"ScatterElements", 11, 3, 3, 1, 1, scatterElements});
  registry.add({"Scatter", 9, 3, 3, 1, 1, scatterElements});
  registry.add({"ScatterND", 11, 3, 3, 1, 1, scatterNd});
  registry.add({"Einsum", 12, 1, 1024, 1, 1, einsum});
  registry.add({"Det", 11, 1, 1, 1, 1, det});
  registry.add({"LRN", 1, 1, 1, 1, 1, lrn});
  registry.add({"MeanVarianceNormalization", 9, 1, 1, 1, 1, meanVarianceNormalization});
  registry.add({"ReverseSequence", 10, 2, 2, 1, 1, reverseSequence});
  registry.add({"MaxUnpool", 9, 2, 3, 1, 1, maxUnpool});
}

} // namespace llmc::onnx_frontend
