//===- Importer.cpp - ONNX models into the llm dialect ----------------------===//
#include "frontends/onnx/Importer.h"

#include "dialects/llm/IR/LLMShapes.h"
#include "frontends/onnx/ExternalData.h"
#include "frontends/onnx/OnnxLibrary.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <google/protobuf/io/coded_stream.h>
#include "llvm/ADT/APSInt.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace llmc::onnx_frontend {

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

const OpImporter *OpRegistry::lookup(llvm::StringRef opType, int64_t opset) const {
  const OpImporter *best = nullptr;
  for (const OpImporter &importer : importers)
    if (opType == importer.opType && importer.sinceVersion <= opset &&
        (!best || importer.sinceVersion > best->sinceVersion))
      best = &importer;
  return best;
}

bool OpRegistry::knows(llvm::StringRef opType) const {
  return llvm::any_of(importers, [&](const OpImporter &i) { return opType == i.opType; });
}

static const OpRegistry &registry() {
  static const OpRegistry instance = [] {
    OpRegistry registry;
    registerElementwiseOps(registry);
    registerNeuralNetworkOps(registry);
    registerShapeOps(registry);
    registerReductionOps(registry);
    registerControlFlowOps(registry);
    registerRecurrentOps(registry);
    registerSequenceOps(registry);
    registerDataDependentOps(registry);
    registerQuantizationOps(registry);
    registerIndexingOps(registry);
    registerTrainingOps(registry);
    registerImageOps(registry);
    registerSignalOps(registry);
    return registry;
  }();
  return instance;
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

FailureOr<Type> elementTypeOf(int32_t onnxType, Builder &builder, std::string &error) {
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return builder.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return builder.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return builder.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return builder.getBF16Type();
  case onnx::TensorProto::INT8:
    return builder.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return builder.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return builder.getI32Type();
  case onnx::TensorProto::INT64:
    return builder.getI64Type();
  case onnx::TensorProto::BOOL:
    return builder.getI1Type();
  // Unsigned integers keep their signedness in the llm dialect, so that ops divide, compare
  // and convert them as unsigned; the lowering makes them signless.
  case onnx::TensorProto::UINT8:
    return builder.getIntegerType(8, /*isSigned=*/false);
  case onnx::TensorProto::UINT16:
    return builder.getIntegerType(16, /*isSigned=*/false);
  case onnx::TensorProto::UINT32:
    return builder.getIntegerType(32, /*isSigned=*/false);
  case onnx::TensorProto::UINT64:
    return builder.getIntegerType(64, /*isSigned=*/false);
  default:
    break;
  }
  const char *name = onnx::TensorProto::DataType_IsValid(onnxType)
                         ? onnx::TensorProto::DataType_Name(onnxType).c_str()
                         : nullptr;
  error =
      std::string("element type ") + (name ? name : std::to_string(onnxType)) + " is not supported";
  return failure();
}

namespace {

int64_t byteWidth(Type type) {
  return type.isInteger(1) ? 1 : (type.getIntOrFloatBitWidth() + 7) / 8;
}

/// Copies a repeated proto field into little-endian element bytes of `width`.
template <typename Field>
std::vector<char> packField(const Field &field, int64_t width, bool isFloat) {
  std::vector<char> bytes(field.size() * width);
  for (int i = 0; i < field.size(); ++i) {
    if (isFloat && width == 4) {
      float value = float(field.Get(i));
      std::memcpy(bytes.data() + i * width, &value, 4);
    } else if (isFloat && width == 8) {
      double value = double(field.Get(i));
      std::memcpy(bytes.data() + i * width, &value, 8);
    } else {
      uint64_t value = uint64_t(field.Get(i));
      std::memcpy(bytes.data() + i * width, &value, width);
    }
  }
  return bytes;
}

} // namespace

FailureOr<DenseElementsAttr> tensorValue(const onnx::TensorProto &tensor,
                                         llvm::StringRef modelDirectory, Builder &builder,
                                         std::string &error) {
  std::string where = "tensor '" + tensor.name() + "': ";
  FailureOr<Type> element = elementTypeOf(tensor.data_type(), builder, error);
  if (failed(element)) {
    error = where + error;
    return failure();
  }
  SmallVector<int64_t> shape;
  int64_t count = 1;
  for (int64_t dim : tensor.dims()) {
    std::optional<int64_t> product = llvm::checkedMul(count, dim);
    if (dim < 0 || !product) {
      error = where + "dims " + llm::shapes::formatShape(llvm::to_vector(tensor.dims())) +
              " are negative or overflow";
      return failure();
    }
    count = *product;
    shape.push_back(dim);
  }
  int64_t width = byteWidth(*element);
  std::vector<char> bytes;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    if (!readExternalData(tensor, modelDirectory, bytes, error))
      return failure();
  } else if (tensor.has_raw_data()) {
    bytes.assign(tensor.raw_data().begin(), tensor.raw_data().end());
  } else {
    switch (tensor.data_type()) {
    case onnx::TensorProto::FLOAT:
      bytes = packField(tensor.float_data(), 4, true);
      break;
    case onnx::TensorProto::DOUBLE:
      bytes = packField(tensor.double_data(), 8, true);
      break;
    case onnx::TensorProto::INT64:
      bytes = packField(tensor.int64_data(), 8, false);
      break;
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::UINT64:
      bytes = packField(tensor.uint64_data(), width, false);
      break;
    default:
      // INT32, INT16, INT8, UINT16, UINT8, BOOL, FLOAT16 and BFLOAT16 (as bits) live in
      // int32_data.
      bytes = packField(tensor.int32_data(), width, false);
      break;
    }
  }
  if (int64_t(bytes.size()) != count * width) {
    error = where + "holds " + std::to_string(bytes.size()) + " bytes, but " +
            llm::shapes::formatShape(shape) + " elements of " + std::to_string(width) +
            " byte(s) need " + std::to_string(count * width);
    return failure();
  }
  auto type = RankedTensorType::get(shape, *element);
  if (element->isInteger(1)) {
    SmallVector<bool> bits;
    for (char byte : bytes)
      bits.push_back(byte != 0);
    return DenseElementsAttr::get(type, bits);
  }
  return DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(bytes.data(), bytes.size()));
}

Attribute elementAttribute(Builder &builder, Type elementType, double value) {
  if (isa<FloatType>(elementType))
    return builder.getFloatAttr(elementType, value);
  auto integer = dyn_cast<IntegerType>(elementType);
  unsigned width = integer ? integer.getWidth() : 64;
  llvm::APSInt result(width, integer && integer.isUnsigned());
  bool exact = false;
  if (width == 1)
    result = llvm::APSInt(llvm::APInt(1, value != 0 && !std::isnan(value)));
  else if (!std::isnan(value))
    llvm::APFloat(value).convertToInteger(result, llvm::APFloat::rmTowardZero, &exact);
  return builder.getIntegerAttr(elementType, result);
}

double firstElementAsDouble(DenseElementsAttr value) {
  if (isa<FloatType>(value.getElementType()))
    return (*value.getValues<APFloat>().begin()).convertToDouble();
  APInt first = *value.getValues<APInt>().begin();
  return value.getElementType().isUnsignedInteger() ? first.roundToDouble(/*isSigned=*/false)
                                                    : first.roundToDouble(/*isSigned=*/true);
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

bool NodeContext::hasInput(int index) const {
  return index < node.input_size() && !node.input(index).empty();
}

Value NodeContext::input(int index) const {
  return hasInput(index) ? values.lookup(node.input(index)) : Value();
}

RankedTensorType NodeContext::inputType(int index) const {
  Value value = input(index);
  return value ? cast<RankedTensorType>(value.getType()) : RankedTensorType();
}

const onnx::AttributeProto *NodeContext::attribute(llvm::StringRef name) const {
  for (const onnx::AttributeProto &attribute : node.attribute())
    if (attribute.name() == name)
      return &attribute;
  return nullptr;
}

std::optional<int64_t> NodeContext::intAttr(llvm::StringRef name) const {
  const onnx::AttributeProto *a = attribute(name);
  if (!a || a->type() != onnx::AttributeProto::INT)
    return std::nullopt;
  return a->i();
}

int64_t NodeContext::intAttr(llvm::StringRef name, int64_t fallback) const {
  return intAttr(name).value_or(fallback);
}

float NodeContext::floatAttr(llvm::StringRef name, float fallback) const {
  const onnx::AttributeProto *a = attribute(name);
  return a && a->type() == onnx::AttributeProto::FLOAT ? a->f() : fallback;
}

std::optional<std::vector<int64_t>> NodeContext::intsAttr(llvm::StringRef name) const {
  const onnx::AttributeProto *a = attribute(name);
  if (!a || a->type() != onnx::AttributeProto::INTS)
    return std::nullopt;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::optional<std::string> NodeContext::stringAttr(llvm::StringRef name) const {
  const onnx::AttributeProto *a = attribute(name);
  if (!a || a->type() != onnx::AttributeProto::STRING)
    return std::nullopt;
  return a->s();
}

std::optional<std::vector<int64_t>> NodeContext::constantInts(int index) const {
  Value value = input(index);
  DenseIntElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  std::vector<int64_t> result;
  for (const APInt &element : attr.getValues<APInt>())
    result.push_back(element.getSExtValue());
  return result;
}

std::string NodeContext::displayName() const {
  return node.name().empty() ? "#" + std::to_string(index) : "'" + node.name() + "'";
}

InFlightDiagnostic NodeContext::error() const {
  return emitError(loc) << "node " << displayName() << " (" << node.op_type() << ", opset " << opset
                        << "): ";
}

Value NodeContext::constant(DenseElementsAttr value) {
  return arith::ConstantOp::create(builder, loc, value);
}

Value NodeContext::scalar(double value, Type elementType) {
  return constant(DenseElementsAttr::get(RankedTensorType::get({}, elementType),
                                         elementAttribute(builder, elementType, value)));
}

FailureOr<Value> NodeContext::reshape(Value value, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  auto target = RankedTensorType::get(shape, type.getElementType());
  if (target == type)
    return value;
  if (type.hasStaticShape() && target.hasStaticShape() &&
      type.getNumElements() != target.getNumElements()) {
    error() << "cannot reshape " << llm::shapes::formatShape(type.getShape()) << " into "
            << llm::shapes::formatShape(shape);
    return failure();
  }
  auto op = llm::ReshapeOp::create(builder, loc, target, value);
  // Fold constants at once (pads and shapes exporters reshape), so that importers further on
  // see constants.
  SmallVector<Value, 1> folded;
  if (succeeded(builder.tryFold(op, folded)) && folded.size() == 1 &&
      folded.front() != op.getResult()) {
    op->erase();
    return folded.front();
  }
  return Value(op);
}

void NodeContext::setOutput(int index, Value value) {
  if (index < node.output_size() && !node.output(index).empty())
    values[node.output(index)] = value;
}

const SmallVector<Value> *NodeContext::sequence(int index) const {
  if (!hasInput(index) || !importTimeValues)
    return nullptr;
  auto found = importTimeValues->sequences.find(node.input(index));
  return found == importTimeValues->sequences.end() ? nullptr : &found->second;
}

bool NodeContext::isEmptyOptional(int index) const {
  return hasInput(index) && importTimeValues &&
         importTimeValues->emptyOptionals.contains(node.input(index));
}

void NodeContext::setSequenceOutput(int index, SmallVector<Value> elements) {
  if (index < node.output_size() && !node.output(index).empty() && importTimeValues)
    importTimeValues->sequences[node.output(index)] = std::move(elements);
}

void NodeContext::setEmptyOptionalOutput(int index) {
  if (index < node.output_size() && !node.output(index).empty() && importTimeValues)
    importTimeValues->emptyOptionals.insert(node.output(index));
}

void NodeContext::forwardInput(int input, int output) {
  if (const SmallVector<Value> *elements = sequence(input))
    setSequenceOutput(output, *elements);
  else if (isEmptyOptional(input))
    setEmptyOptionalOutput(output);
  else
    setOutput(output, this->input(input));
}

FailureOr<int64_t> NodeContext::normalizeAxis(int64_t axis, int64_t rank, llvm::StringRef what) {
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank) {
    error() << what << " " << axis << " is out of range for rank " << rank;
    return failure();
  }
  return normalized;
}

//===----------------------------------------------------------------------===//
// Graph import
//===----------------------------------------------------------------------===//

namespace {

/// Only to explain a failed parse; the model is never imported at this depth.
constexpr int kDiagnosticRecursionLimit = 1000;

bool parseModel(llvm::ArrayRef<uint8_t> bytes, llvm::StringRef path, onnx::ModelProto &model,
                std::string &error) {
  if (bytes.size() > size_t(INT32_MAX)) {
    error = "'" + path.str() + "' is larger than 2 GiB; store large weights as external data";
    return false;
  }
  if (model.ParseFromArray(bytes.data(), int(bytes.size())))
    return true;
  error = "'" + path.str() + "' is not a valid ONNX model (protobuf parsing failed)";
  // Protobuf refuses messages nested deeper than 100 levels; a subgraph costs three (node,
  // attribute, graph). Parse again with a deeper limit only to say which failure this was.
  google::protobuf::io::CodedInputStream deeper(bytes.data(), int(bytes.size()));
  deeper.SetRecursionLimit(kDiagnosticRecursionLimit);
  onnx::ModelProto probe;
  if (probe.ParseFromCodedStream(&deeper) && deeper.ConsumedEntireMessage())
    error += ": its messages nest deeper than protobuf's limit of " +
             std::to_string(google::protobuf::io::CodedInputStream::GetDefaultRecursionLimit()) +
             " levels; each If, Loop or Scan body takes 3, so subgraphs can nest about 30 deep";
  return false;
}

bool readModel(llvm::StringRef path, onnx::ModelProto &model, std::string &error) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buffer) {
    error = "cannot read '" + path.str() + "': " + buffer.getError().message();
    return false;
  }
  return parseModel(llvm::arrayRefFromStringRef((*buffer)->getBuffer()), path, model, error);
}

void loadImportDialects(MLIRContext &context) {
  context.loadDialect<llm::LLMDialect, arith::ArithDialect, cf::ControlFlowDialect,
                      func::FuncDialect, scf::SCFDialect, tensor::TensorDialect>();
}

/// The ops whose importers read sequences and optionals; every other importer sees tensors.
bool takesImportTimeValues(llvm::StringRef opType) {
  return llvm::is_contained({"SequenceInsert", "SequenceErase", "SequenceAt", "SequenceLength",
                             "ConcatFromSequence", "Identity", "Optional", "OptionalHasElement",
                             "OptionalGetElement"},
                            opType);
}

class GraphImporter {
public:
  GraphImporter(MLIRContext &context, llvm::StringRef path, const ImportOptions &options)
      : context(context), builder(&context), path(path), options(options),
        loc(NameLoc::get(StringAttr::get(&context, path))) {}

  /// Imports the model; with `collect`, keeps going after an unsupported node and records one
  /// line per problem instead of stopping.
  OwningOpRef<ModuleOp> run(const onnx::ModelProto &model, std::vector<std::string> *collect);

private:
  /// Imports `graph`'s nodes in order from `firstNode`, reading and defining values in
  /// `values` (a subgraph's scope starts as a copy of the enclosing one).
  LogicalResult importNodes(const onnx::GraphProto &graph, int64_t opset,
                            llvm::StringMap<Value> &values, std::vector<std::string> *collect,
                            int firstNode = 0);

  /// Defines `graph`'s initializers as constants in `values`.
  LogicalResult importInitializers(const onnx::GraphProto &graph, llvm::StringMap<Value> &values);

  FailureOr<RankedTensorType> valueInfoType(const onnx::ValueInfoProto &info,
                                            SmallVectorImpl<Attribute> &dimNames);

  MLIRContext &context;
  OpBuilder builder;
  std::string path;
  const ImportOptions &options;
  Location loc;
  /// The version of ai.onnx.preview.training, whose ops register as "<domain>.<op type>".
  int64_t trainingOpset = 0;
  /// Nodes imported inside subgraphs so far. A Loop or Scan imports its body more than once
  /// (first to learn the carried types), so nested control flow costs a power of its depth;
  /// past the budget the model is refused instead of taking hours.
  int64_t subgraphNodeImports = 0;
  static constexpr int64_t kMaxSubgraphNodeImports = 250'000;
  llvm::StringMap<Value> values;
  ImportTimeValues importTimeValues;
  /// With --check: the outputs of nodes that failed, and of the nodes that depend on them.
  llvm::StringSet<> unavailable;
  void markUnavailable(const onnx::NodeProto &node) {
    for (const std::string &output : node.output())
      unavailable.insert(output);
  }
};

FailureOr<RankedTensorType> GraphImporter::valueInfoType(const onnx::ValueInfoProto &info,
                                                         SmallVectorImpl<Attribute> &dimNames) {
  if (!info.type().has_tensor_type()) {
    emitError(loc) << "graph input '" << info.name()
                   << "' is not a tensor; only tensors cross the runtime boundary";
    return failure();
  }
  const onnx::TypeProto::Tensor &tensor = info.type().tensor_type();
  std::string error;
  FailureOr<Type> element = elementTypeOf(tensor.elem_type(), builder, error);
  if (failed(element)) {
    emitError(loc) << "graph input '" << info.name() << "': " << error;
    return failure();
  }
  if (!tensor.has_shape()) {
    emitError(loc) << "graph input '" << info.name()
                   << "' has no shape; give one with --input-shape " << info.name() << "=...";
    return failure();
  }
  SmallVector<int64_t> shape;
  for (const onnx::TensorShapeProto::Dimension &dim : tensor.shape().dim()) {
    if (dim.has_dim_value()) {
      if (dim.dim_value() < 0) {
        emitError(loc) << "graph input '" << info.name() << "' has a negative dimension "
                       << dim.dim_value();
        return failure();
      }
      shape.push_back(dim.dim_value());
      dimNames.push_back(StringAttr::get(&context, ""));
    } else {
      shape.push_back(ShapedType::kDynamic);
      dimNames.push_back(StringAttr::get(&context, dim.dim_param()));
    }
  }
  if (auto pinned = options.inputShapes.find(info.name()); pinned != options.inputShapes.end()) {
    const std::vector<int64_t> &sizes = pinned->second;
    if (sizes.size() != shape.size()) {
      emitError(loc) << "--input-shape " << info.name() << " has rank " << sizes.size()
                     << ", but the model's input has rank " << shape.size();
      return failure();
    }
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (!ShapedType::isDynamic(shape[i]) && shape[i] != sizes[i]) {
        emitError(loc) << "--input-shape " << info.name() << " sets dim " << i << " to " << sizes[i]
                       << ", but the model fixes it at " << shape[i];
        return failure();
      }
      shape[i] = sizes[i];
    }
  }
  return RankedTensorType::get(shape, *element);
}

LogicalResult GraphImporter::importInitializers(const onnx::GraphProto &graph,
                                                llvm::StringMap<Value> &values) {
  std::string directory = llvm::sys::path::parent_path(path).str();
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    std::string error;
    FailureOr<DenseElementsAttr> value = tensorValue(tensor, directory, builder, error);
    if (failed(value)) {
      emitError(loc) << "initializer " << error;
      return failure();
    }
    values[tensor.name()] = arith::ConstantOp::create(builder, loc, *value);
  }
  return success();
}

LogicalResult GraphImporter::importNodes(const onnx::GraphProto &graph, int64_t opset,
                                         llvm::StringMap<Value> &values,
                                         std::vector<std::string> *collect, int firstNode) {
  const OpRegistry &ops = registry();
  bool failedAny = false;
  for (int index = firstNode; index < graph.node_size(); ++index) {
    const onnx::NodeProto &node = graph.node(index);
    bool training = node.domain() == "ai.onnx.preview.training";
    int64_t nodeOpset = training ? trainingOpset : opset;
    NodeContext context(builder, loc, node, index, nodeOpset, values);
    context.importTimeValues = &importTimeValues;
    context.importSubgraph = [this, opset, &context](const onnx::GraphProto &subgraph,
                                                     llvm::StringMap<Value> &scope) {
      subgraphNodeImports += subgraph.node_size() + 1;
      if (subgraphNodeImports > kMaxSubgraphNodeImports) {
        // Reported once, by the innermost node that crosses the budget.
        if (subgraphNodeImports - subgraph.node_size() - 1 <= kMaxSubgraphNodeImports)
          context.error() << "importing its subgraphs takes more than " << kMaxSubgraphNodeImports
                          << " node imports: control flow (If, Loop, Scan) nested too deeply "
                             "for llmc, which imports a Loop's or a Scan's body more than once";
        return failure();
      }
      // A subgraph's own initializers are constants of its scope, as the main graph's are.
      if (failed(importInitializers(subgraph, scope)))
        return failure();
      return importNodes(subgraph, opset, scope, nullptr);
    };
    bool ended = false;
    context.importRestOfGraph =
        [&, index](Block &block, ArrayRef<Value> outputs) -> FailureOr<SmallVector<Value>> {
      OpBuilder::InsertionGuard guard(builder);
      builder.setInsertionPointToEnd(&block);
      llvm::StringMap<Value> scope = values;
      for (auto [name, value] : llvm::zip(node.output(), outputs))
        if (!name.empty())
          scope[name] = value;
      if (failed(importNodes(graph, opset, scope, nullptr, index + 1)))
        return failure();
      SmallVector<Value> results;
      for (const onnx::ValueInfoProto &output : graph.output()) {
        Value value = scope.lookup(output.name());
        if (!value) {
          emitError(loc) << "graph output '" << output.name()
                         << "' is not a tensor produced by a node";
          return failure();
        }
        results.push_back(value);
      }
      return results;
    };
    context.endGraph = [&](ArrayRef<Value> results) {
      for (auto [output, value] : llvm::zip(graph.output(), results))
        values[output.name()] = value;
      ended = true;
    };
    auto report = [&](const std::string &reason) {
      if (collect) {
        markUnavailable(node);
        collect->push_back("node " + context.displayName() + " (" + node.op_type() + ", opset " +
                           std::to_string(nodeOpset) + "): " + reason);
      } else {
        context.error() << reason;
      }
      failedAny = true;
    };
    if (!node.domain().empty() && node.domain() != "ai.onnx" && !training) {
      ++importTimeValues.rejections;
      report("domain '" + node.domain() + "' is not supported");
      if (!collect)
        return failure();
      continue;
    }
    std::string key = training ? node.domain() + "." + node.op_type() : node.op_type();
    const OpImporter *importer = ops.lookup(key, nodeOpset);
    if (!importer) {
      ++importTimeValues.rejections;
      report(ops.knows(key) ? "this opset is older than the first version llmc imports"
                            : "op type '" + node.op_type() + "' is not supported");
      if (!collect)
        return failure();
      continue;
    }
    if (node.input_size() < importer->minInputs || node.input_size() > importer->maxInputs ||
        node.output_size() < importer->minOutputs || node.output_size() > importer->maxOutputs) {
      report("expected " + std::to_string(importer->minInputs) + " to " +
             std::to_string(importer->maxInputs) + " inputs and " +
             std::to_string(importer->minOutputs) + " to " + std::to_string(importer->maxOutputs) +
             " outputs, got " + std::to_string(node.input_size()) + " and " +
             std::to_string(node.output_size()));
      if (!collect)
        return failure();
      continue;
    }
    // The inputs an op requires must be named: only optional inputs may be left out as "".
    int unnamed = -1;
    for (int i = importer->optionalLeadingInputs; i < importer->minInputs && unnamed < 0; ++i)
      if (node.input(i).empty())
        unnamed = i;
    if (unnamed >= 0) {
      report("input " + std::to_string(unnamed) + " is required, but the node leaves it out");
      if (!collect)
        return failure();
      continue;
    }
    // With --check, a node fed by a node already reported is not reported again: its input is
    // missing only because of that first problem.
    if (collect && llvm::any_of(node.input(), [&](const std::string &input) {
          return unavailable.contains(input);
        })) {
      markUnavailable(node);
      continue;
    }
    bool missing = false;
    for (int i = 0; i < node.input_size(); ++i)
      if (!node.input(i).empty() && !values.count(node.input(i)) &&
          !importTimeValues.sequences.count(node.input(i)) &&
          !importTimeValues.emptyOptionals.contains(node.input(i))) {
        report("input '" + node.input(i) + "' is not produced by any earlier node");
        missing = true;
        break;
      }
    for (int i = 0; i < node.input_size() && !missing; ++i)
      if (!node.input(i).empty() && !values.count(node.input(i)) &&
          !takesImportTimeValues(node.op_type())) {
        report("input '" + node.input(i) + "' is a sequence or an optional, which " +
               node.op_type() + " does not take here");
        missing = true;
      }
    if (missing) {
      if (!collect)
        return failure();
      continue;
    }
    if (collect) {
      std::string message;
      ScopedDiagnosticHandler capture(&this->context, [&](Diagnostic &d) {
        if (message.empty())
          message = d.str();
        return success();
      });
      if (failed(importer->import(context))) {
        failedAny = true;
        markUnavailable(node);
        collect->push_back(message);
      }
      if (ended)
        break;
      continue;
    }
    if (failed(importer->import(context)))
      return failure();
    // The node imported the rest of the graph itself.
    if (ended)
      break;
  }
  return failure(failedAny);
}

OwningOpRef<ModuleOp> GraphImporter::run(const onnx::ModelProto &model,
                                         std::vector<std::string> *collect) {
  int64_t opset = -1;
  for (const onnx::OperatorSetIdProto &entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx")
      opset = entry.version();
    else if (entry.domain() == "ai.onnx.preview.training")
      trainingOpset = entry.version();
  if (opset < 1 && trainingOpset < 1) {
    emitError(loc) << "the model imports no version of the default ONNX domain";
    return nullptr;
  }
  const onnx::GraphProto &graph = model.graph();

  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  builder.setInsertionPointToEnd(module->getBody());
  std::string name = graph.name().empty() ? "model" : graph.name();
  (*module)->setAttr("llmc.model_name", builder.getStringAttr(name));

  // Initializers first: they are constants even when the graph also lists them as inputs.
  llvm::StringSet<> initializerNames;
  for (const onnx::TensorProto &tensor : graph.initializer())
    initializerNames.insert(tensor.name());

  SmallVector<Type> inputTypes;
  SmallVector<DictionaryAttr> inputAttrs;
  SmallVector<std::string> inputNames;
  for (const onnx::ValueInfoProto &info : graph.input()) {
    if (initializerNames.contains(info.name()))
      continue;
    SmallVector<Attribute> dimNames;
    FailureOr<RankedTensorType> type = valueInfoType(info, dimNames);
    if (failed(type))
      return nullptr;
    inputTypes.push_back(*type);
    inputNames.push_back(info.name());
    inputAttrs.push_back(builder.getDictionaryAttr(
        {builder.getNamedAttr("llmc.name", builder.getStringAttr(info.name())),
         builder.getNamedAttr("llmc.dim_names", builder.getArrayAttr(dimNames))}));
  }

  auto function =
      func::FuncOp::create(builder, loc, "main", builder.getFunctionType(inputTypes, {}));
  Block *body = function.addEntryBlock();
  builder.setInsertionPointToStart(body);
  for (auto [index, argName] : llvm::enumerate(inputNames)) {
    values[argName] = body->getArgument(index);
    function.setArgAttrs(index, inputAttrs[index]);
  }
  if (failed(importInitializers(graph, values)))
    return nullptr;

  bool failedAny = failed(importNodes(graph, opset, values, collect));
  if (failedAny)
    return collect ? std::move(module) : nullptr;

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    Value value = values.lookup(output.name());
    if (!value && (importTimeValues.sequences.count(output.name()) ||
                   importTimeValues.emptyOptionals.contains(output.name()))) {
      emitError(loc) << "graph output '" << output.name()
                     << "' is a sequence or an optional; only tensors cross the runtime boundary";
      return nullptr;
    }
    if (!value) {
      emitError(loc) << "graph output '" << output.name() << "' is not produced by any node";
      return nullptr;
    }
    results.push_back(value);
    resultTypes.push_back(value.getType());
  }
  func::ReturnOp::create(builder, loc, results);
  function.setFunctionType(builder.getFunctionType(inputTypes, resultTypes));
  for (auto [index, output] : llvm::enumerate(graph.output()))
    function.setResultAttr(index, "llmc.name", builder.getStringAttr(output.name()));
  return module;
}

} // namespace

OwningOpRef<ModuleOp> importModel(llvm::StringRef path, MLIRContext &context,
                                  const ImportOptions &options) {
  loadImportDialects(context);
  Location loc = NameLoc::get(StringAttr::get(&context, path));
  onnx::ModelProto model;
  std::string error;
  if (!readModel(path, model, error)) {
    emitError(loc) << error;
    return nullptr;
  }
  GraphImporter importer(context, path, options);
  OwningOpRef<ModuleOp> module = importer.run(model, nullptr);
  if (!module)
    return nullptr;
  // The project's own validation has accepted every node; libonnx's checker and shape
  // inference now run as a second opinion, for the versions it knows.
  int64_t opset = 0;
  for (const onnx::OperatorSetIdProto &entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx")
      opset = entry.version();
  if (model.ir_version() <= kLibraryMaxIRVersion && opset <= kLibraryMaxOpset &&
      !runLibraryChecks(path.str(), model, error))
    emitWarning(loc) << "libonnx's checker disagrees with the model: " << error;
  return module;
}

OwningOpRef<ModuleOp> importModelBytes(llvm::ArrayRef<uint8_t> bytes, llvm::StringRef path,
                                       MLIRContext &context, const ImportOptions &options) {
  loadImportDialects(context);
  onnx::ModelProto model;
  std::string error;
  if (!parseModel(bytes, path, model, error)) {
    emitError(NameLoc::get(StringAttr::get(&context, path))) << error;
    return nullptr;
  }
  return GraphImporter(context, path, options).run(model, nullptr);
}

bool checkModel(llvm::StringRef path, MLIRContext &context, const ImportOptions &options,
                std::vector<std::string> &problems, std::string &fileError) {
  loadImportDialects(context);
  onnx::ModelProto model;
  if (!readModel(path, model, fileError))
    return false;
  GraphImporter importer(context, path, options);
  std::string message;
  ScopedDiagnosticHandler capture(&context, [&](Diagnostic &d) {
    if (d.getSeverity() == DiagnosticSeverity::Error)
      problems.push_back(d.str());
    return success();
  });
  importer.run(model, &problems);
  return true;
}

} // namespace llmc::onnx_frontend
