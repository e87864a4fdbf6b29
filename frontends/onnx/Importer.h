//===- Importer.h - ONNX models into the llm dialect ------------------------===//
#ifndef LLMC_FRONTENDS_ONNX_IMPORTER_H
#define LLMC_FRONTENDS_ONNX_IMPORTER_H

#include "dialects/llm/IR/LLMOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/onnx_pb.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace llmc::onnx_frontend {

struct ImportOptions {
  /// Static shapes for inputs, from `--input-shape NAME=1x3x224x224`.
  llvm::StringMap<std::vector<int64_t>> inputShapes;
};

/// Reads the ONNX model at `path` and imports its graph as `func.func @main` in the llm
/// dialect. Every problem is a diagnostic naming the node, its op and opset, and the reason;
/// the result is null then.
mlir::OwningOpRef<mlir::ModuleOp> importModel(llvm::StringRef path, mlir::MLIRContext &context,
                                              const ImportOptions &options);

/// Imports a model from its serialized bytes, as `importModel` does a file, but without
/// libonnx's checker (which reads the model from `path`): the protobuf parser, then the
/// project's own validation and import. `path` names the model in diagnostics, and its folder
/// is where external data is looked up. The ONNX fuzz target (tools/fuzz/FuzzONNX.cpp) calls it.
mlir::OwningOpRef<mlir::ModuleOp> importModelBytes(llvm::ArrayRef<uint8_t> bytes,
                                                   llvm::StringRef path,
                                                   mlir::MLIRContext &context,
                                                   const ImportOptions &options);

/// Lists every node of the model that cannot be imported, one line each, without stopping at
/// the first. Returns false when the file itself cannot be read.
bool checkModel(llvm::StringRef path, mlir::MLIRContext &context, const ImportOptions &options,
                std::vector<std::string> &problems, std::string &fileError);

/// Values that exist only while importing. A sequence, whose length the importer always knows,
/// is the list of its tensors; an optional that holds a value is that value, and an empty one
/// is a name in `emptyOptionals`. ONNX names are unique across a model and its subgraphs, so
/// one table serves every scope.
struct ImportTimeValues {
  llvm::StringMap<llvm::SmallVector<mlir::Value>> sequences;
  llvm::StringSet<> emptyOptionals;
  /// Errors so far that reject the model wherever they occur, even on a path of an If that a
  /// run may never take: nodes whose op type, domain or opset llmc does not import, and the
  /// importer's limits.
  int rejections = 0;
  /// Ifs seen so far whose branches return different ranks (see the If importer).
  int rankSplits = 0;
};

/// What one node's importer sees: its inputs as llm values, its attributes, and the builder.
class NodeContext {
public:
  NodeContext(mlir::OpBuilder &builder, mlir::Location loc, const onnx::NodeProto &node, int index,
              int64_t opset, llvm::StringMap<mlir::Value> &values)
      : builder(builder), loc(loc), node(node), index(index), opset(opset), values(values) {}

  mlir::OpBuilder &builder;
  mlir::Location loc;
  const onnx::NodeProto &node;
  int index; ///< position in the graph, which names unnamed nodes
  int64_t opset;

  /// The node's name, or `#index` when it has none.
  std::string displayName() const;

  /// Inputs; an optional input left out, or named "", is absent.
  int numInputs() const { return node.input_size(); }
  bool hasInput(int index) const;
  mlir::Value input(int index) const;
  mlir::RankedTensorType inputType(int index) const;

  /// Attributes; a wrong attribute type is reported by `error()` from the getters' callers.
  const onnx::AttributeProto *attribute(llvm::StringRef name) const;
  std::optional<int64_t> intAttr(llvm::StringRef name) const;
  int64_t intAttr(llvm::StringRef name, int64_t fallback) const;
  float floatAttr(llvm::StringRef name, float fallback) const;
  std::optional<std::vector<int64_t>> intsAttr(llvm::StringRef name) const;
  std::optional<std::string> stringAttr(llvm::StringRef name) const;

  /// The integer values of input `index` when it is a constant.
  std::optional<std::vector<int64_t>> constantInts(int index) const;

  /// A diagnostic prefixed with the node: "node 'conv1' (Conv, opset 13): ...".
  mlir::InFlightDiagnostic error() const;

  /// Builds an llm op with its inferred result type; a shape rule that fails becomes an error
  /// naming this node.
  template <typename OpTy, typename... Args> mlir::FailureOr<mlir::Value> create(Args &&...args) {
    std::string message;
    mlir::FailureOr<OpTy> op;
    {
      mlir::ScopedDiagnosticHandler capture(builder.getContext(), [&](mlir::Diagnostic &d) {
        message = d.str();
        return mlir::success();
      });
      op = llm::createInferred<OpTy>(builder, loc, std::forward<Args>(args)...);
    }
    if (mlir::failed(op)) {
      error() << message;
      return mlir::failure();
    }
    // Fold at once what exporters compute from constants (shapes, axes), so that importers
    // further on see constants.
    llvm::SmallVector<mlir::Value, 1> folded;
    if (mlir::succeeded(builder.tryFold(*op, folded)) && folded.size() == 1 &&
        folded.front() != (*op)->getResult(0)) {
      (*op)->erase();
      return folded.front();
    }
    return (*op)->getResult(0);
  }

  /// A constant tensor, and a scalar constant of `elementType` broadcastable to anything.
  mlir::Value constant(mlir::DenseElementsAttr value);
  mlir::Value scalar(double value, mlir::Type elementType);

  /// A static reshape of `value` to `shape`.
  mlir::FailureOr<mlir::Value> reshape(mlir::Value value, llvm::ArrayRef<int64_t> shape);

  void setOutput(int index, mlir::Value value);

  /// Sequences and optionals (see ImportTimeValues). `sequence` is null when input `index` is
  /// not a sequence.
  const llvm::SmallVector<mlir::Value> *sequence(int index) const;
  bool isEmptyOptional(int index) const;
  void setSequenceOutput(int index, llvm::SmallVector<mlir::Value> elements);
  void setEmptyOptionalOutput(int index);
  /// Output `output` becomes whatever input `input` is: a tensor, a sequence or an optional.
  void forwardInput(int input, int output);

  /// Set by the graph importer; shared by every scope of a model.
  ImportTimeValues *importTimeValues = nullptr;

  /// Imports a subgraph (an If branch, a Loop body) at the builder's insertion point. `scope`
  /// starts with the values the subgraph may capture and receives the ones it defines.
  std::function<mlir::LogicalResult(const onnx::GraphProto &, llvm::StringMap<mlir::Value> &)>
      importSubgraph;

  /// The values visible to this node, for subgraphs that capture them.
  const llvm::StringMap<mlir::Value> &scope() const { return values; }

  /// Imports the nodes after this one, with this node's outputs bound to `outputs`, at the end
  /// of `block`, and returns the graph's outputs there. An If whose branches return different
  /// ranks continues the rest of its graph once per branch, each with ranks it knows, then
  /// ends the graph with `endGraph(outputs)`. Null where the graph cannot be continued so.
  std::function<mlir::FailureOr<llvm::SmallVector<mlir::Value>>(mlir::Block &,
                                                                llvm::ArrayRef<mlir::Value>)>
      importRestOfGraph;
  std::function<void(llvm::ArrayRef<mlir::Value>)> endGraph;

  /// Normalizes a possibly negative axis for `rank`, or reports it.
  mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank, llvm::StringRef what = "axis");

private:
  llvm::StringMap<mlir::Value> &values;
};

using ImportFn = mlir::LogicalResult (*)(NodeContext &);

/// One importer: an op type from the version of the default domain it applies since.
struct OpImporter {
  const char *opType;
  int64_t sinceVersion;
  int minInputs, maxInputs, minOutputs, maxOutputs;
  ImportFn import;
  /// How many of the first minInputs inputs are optional but positional, so that a node may
  /// name them "" (Loop's trip count and condition, opset 8 Scan's sequence lengths). Every
  /// other required input must be named.
  int optionalLeadingInputs = 0;
};

/// All importers; `lookup` picks the newest one not newer than the model's opset.
class OpRegistry {
public:
  void add(const OpImporter &importer) { importers.push_back(importer); }
  const OpImporter *lookup(llvm::StringRef opType, int64_t opset) const;
  bool knows(llvm::StringRef opType) const;

private:
  std::vector<OpImporter> importers;
};

void registerElementwiseOps(OpRegistry &registry);
void registerNeuralNetworkOps(OpRegistry &registry);
void registerShapeOps(OpRegistry &registry);
void registerReductionOps(OpRegistry &registry);
void registerControlFlowOps(OpRegistry &registry);
void registerRecurrentOps(OpRegistry &registry);
void registerSequenceOps(OpRegistry &registry);
void registerDataDependentOps(OpRegistry &registry);
void registerQuantizationOps(OpRegistry &registry);

/// MatMul's product with NumPy semantics (vectors become matrices and back), and Conv's
/// convolution with the node's attributes resolved; the integer and quantized variants of
/// both nodes reuse them.
mlir::FailureOr<mlir::Value> matrixProduct(NodeContext &node, mlir::Value lhs, mlir::Value rhs);
mlir::FailureOr<mlir::Value> convolution(NodeContext &node, mlir::Value input, mlir::Value weight,
                                         mlir::Value bias);
void registerIndexingOps(OpRegistry &registry);
void registerTrainingOps(OpRegistry &registry);
void registerImageOps(OpRegistry &registry);
void registerSignalOps(OpRegistry &registry);

/// The first element of a constant, as a double (integers converted): scalars such as a Clip
/// bound, a Pad value or a Range limit.
double firstElementAsDouble(mlir::DenseElementsAttr value);

/// One element of `elementType` holding `value`: floats as they are; integers rounded toward
/// zero and saturated to the type's range, NaN as 0 (a plain cast would be undefined for
/// those: a Clip bound of -inf or a Pad value of inf on an integer tensor); i1 as value != 0.
mlir::Attribute elementAttribute(mlir::Builder &builder, mlir::Type elementType, double value);

/// Converts ONNX element types and tensors.
mlir::FailureOr<mlir::Type> elementTypeOf(int32_t onnxType, mlir::Builder &builder,
                                          std::string &error);
mlir::FailureOr<mlir::DenseElementsAttr> tensorValue(const onnx::TensorProto &tensor,
                                                     llvm::StringRef modelDirectory,
                                                     mlir::Builder &builder, std::string &error);

} // namespace llmc::onnx_frontend

#endif // LLMC_FRONTENDS_ONNX_IMPORTER_H
