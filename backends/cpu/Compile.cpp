//===- Compile.cpp - From optimized llm IR to a .llmc artifact for a CPU ----===//
#include "backends/cpu/Compile.h"

#include "backends/cpu/Passes.h"
#include "runtime/writer/ArtifactWriter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace artifact = llmc::artifact;

namespace llmc::cpu {
namespace {

FailureOr<artifact::DType> dtypeOf(Type type, Location loc) {
  if (type.isF32())
    return artifact::DType::F32;
  if (type.isF16())
    return artifact::DType::F16;
  if (type.isBF16())
    return artifact::DType::BF16;
  if (type.isF64())
    return artifact::DType::F64;
  if (type.isInteger(1))
    return artifact::DType::Bool;
  if (auto integer = dyn_cast<IntegerType>(type)) {
    bool isUnsigned = integer.isUnsigned();
    switch (integer.getWidth()) {
    case 8:
      return isUnsigned ? artifact::DType::U8 : artifact::DType::I8;
    case 16:
      return isUnsigned ? artifact::DType::U16 : artifact::DType::I16;
    case 32:
      return isUnsigned ? artifact::DType::U32 : artifact::DType::I32;
    case 64:
      return isUnsigned ? artifact::DType::U64 : artifact::DType::I64;
    default:
      break;
    }
  }
  return emitError(loc) << "element type " << type << " cannot cross the runtime boundary";
}

/// The signature of one tensor argument or result.
FailureOr<artifact::TensorSpec> tensorSpec(Type type, DictionaryAttr attrs,
                                           std::string fallbackName, Location loc) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return emitError(loc) << "entry point values must be ranked tensors, got " << type;
  artifact::TensorSpec spec;
  spec.name = fallbackName;
  ArrayAttr dimNames;
  if (attrs) {
    if (auto name = attrs.getAs<StringAttr>(kNameAttr))
      spec.name = name.str();
    dimNames = attrs.getAs<ArrayAttr>(kDimNamesAttr);
  }
  FailureOr<artifact::DType> dtype = dtypeOf(tensor.getElementType(), loc);
  if (failed(dtype))
    return failure();
  spec.dtype = *dtype;
  for (int64_t dim = 0; dim < tensor.getRank(); ++dim) {
    artifact::Dim size;
    if (!tensor.isDynamicDim(dim))
      size.size = tensor.getDimSize(dim);
    else if (dimNames && dim < int64_t(dimNames.size()))
      if (auto name = dyn_cast<StringAttr>(dimNames[dim]))
        size.symbol = name.str();
    spec.dims.push_back(size);
  }
  return spec;
}

/// The bytes of a constant, laid out as the runtime reads them (bools one byte each).
FailureOr<std::vector<uint8_t>> constantBytes(ElementsAttr value, Location loc) {
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense) {
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
      AsmResourceBlob *blob = resource.getRawHandle().getBlob();
      if (!blob)
        return emitError(loc) << "constant data was released before compilation";
      ArrayRef<char> data = blob->getData();
      return std::vector<uint8_t>(data.begin(), data.end());
    }
    return emitError(loc) << "unsupported constant storage " << value;
  }
  Type element = dense.getElementType();
  int64_t count = dense.getNumElements();
  std::vector<uint8_t> bytes;
  if (element.isInteger(1)) {
    for (bool bit : dense.getValues<bool>())
      bytes.push_back(bit ? 1 : 0);
    return bytes;
  }
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    bytes.reserve(raw.size() * count);
    for (int64_t i = 0; i < count; ++i)
      bytes.insert(bytes.end(), raw.begin(), raw.end());
    return bytes;
  }
  return std::vector<uint8_t>(raw.begin(), raw.end());
}

LogicalResult runPipeline(ModuleOp module, void (*build)(OpPassManager &), StringRef stage) {
  PassManager pm(module.getContext());
  build(pm);
  if (failed(pm.run(module)))
    return emitError(module.getLoc()) << "the " << stage << " stage of the CPU pipeline failed";
  return success();
}

LogicalResult writeBytes(StringRef path, ArrayRef<char> bytes, Location loc) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output = openOutputFile(path, &error);
  if (!output)
    return emitError(loc) << error;
  output->os().write(bytes.data(), bytes.size());
  output->keep();
  return success();
}

} // namespace

LogicalResult compile(ModuleOp module, const CompileOptions &options) {
  Location loc = module.getLoc();
  TargetOptions target = resolveTarget(options.target);
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target, error);
  if (!machine)
    return emitError(loc) << error;

  SmallVector<func::FuncOp> entries;
  for (auto function : module.getOps<func::FuncOp>())
    if (function.isPublic() && !function.isExternal())
      entries.push_back(function);
  if (entries.empty())
    return emitError(loc) << "expected at least one public function as an entry point";

  // The signatures, before lowering changes the function types. State arguments (a KV cache)
  // become model-wide state buffers; their results are not outputs.
  artifact::ModelSpec model;
  SmallVector<artifact::EntryPointSpec> entrySpecs;
  SmallVector<unsigned> numArguments;
  for (func::FuncOp entry : entries) {
    artifact::EntryPointSpec entrySpec;
    entrySpec.name = entry.getSymName().str();
    entrySpec.symbol = "_mlir_ciface_" + entrySpec.name;
    bool seenState = false;
    for (unsigned i = 0; i < entry.getNumArguments(); ++i) {
      FailureOr<artifact::TensorSpec> spec =
          tensorSpec(entry.getArgumentTypes()[i], entry.getArgAttrDict(i),
                     "input_" + std::to_string(i), entry.getLoc());
      if (failed(spec))
        return failure();
      auto stateName = entry.getArgAttrOfType<StringAttr>(i, kStateAttr);
      if (!stateName) {
        if (seenState)
          return emitError(entry.getLoc()) << "input " << i << " follows a state argument";
        entrySpec.inputs.push_back(*spec);
        continue;
      }
      seenState = true;
      artifact::StateSpec state;
      state.name = stateName.str();
      state.dtype = spec->dtype;
      for (const artifact::Dim &dim : spec->dims) {
        if (dim.size < 0)
          return emitError(entry.getLoc())
                 << "state '" << state.name << "' must have a static shape";
        state.dims.push_back(dim.size);
      }
      auto known = llvm::find_if(
          model.states, [&](const artifact::StateSpec &other) { return other.name == state.name; });
      if (known != model.states.end() && (known->dtype != state.dtype || known->dims != state.dims))
        return emitError(entry.getLoc())
               << "state '" << state.name << "' has different types in two entry points";
      entrySpec.states.push_back(known - model.states.begin());
      if (known == model.states.end())
        model.states.push_back(std::move(state));
    }
    for (unsigned i = 0; i < entry.getNumResults(); ++i) {
      if (entry.getResultAttr(i, kStateOfAttr))
        continue;
      FailureOr<artifact::TensorSpec> spec =
          tensorSpec(entry.getResultTypes()[i], entry.getResultAttrDict(i),
                     "output_" + std::to_string(i), entry.getLoc());
      if (failed(spec))
        return failure();
      entrySpec.outputs.push_back(*spec);
    }
    numArguments.push_back(entry.getNumArguments());
    entrySpecs.push_back(std::move(entrySpec));
  }

  if (failed(runPipeline(module, buildCPUTensorPipeline, "tensor")))
    return failure();

  // Outlined constants are the trailing arguments, in table order; entry points share equal
  // constants (a weight both use) through one table entry.
  llvm::DenseMap<Attribute, uint32_t> constantIndices;
  for (auto [entry, entrySpec, numInputs] : llvm::zip(entries, entrySpecs, numArguments)) {
    for (unsigned i = numInputs; i < entry.getNumArguments(); ++i) {
      auto value = entry.getArgAttrOfType<ElementsAttr>(i, kConstantAttr);
      if (!value)
        return emitError(entry.getLoc())
               << "argument " << i << " is neither an input nor a constant";
      auto [found, inserted] = constantIndices.try_emplace(value, model.constants.size());
      entrySpec.constants.push_back(found->second);
      if (!inserted)
        continue;
      artifact::ConstantSpec constant;
      constant.name = "constant_" + std::to_string(model.constants.size());
      if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
        constant.name = resource.getRawHandle().getKey().str();
      auto type = cast<RankedTensorType>(value.getType());
      FailureOr<artifact::DType> dtype = dtypeOf(type.getElementType(), entry.getLoc());
      FailureOr<std::vector<uint8_t>> bytes = constantBytes(value, entry.getLoc());
      if (failed(dtype) || failed(bytes))
        return failure();
      constant.dtype = *dtype;
      constant.dims.assign(type.getShape().begin(), type.getShape().end());
      constant.bytes = std::move(*bytes);
      model.constants.push_back(std::move(constant));
    }
  }

  if (failed(runPipeline(module, buildCPUBufferPipeline, "buffer")))
    return failure();
  for (auto [entry, entrySpec] : llvm::zip(entries, entrySpecs))
    if (auto scratch = entry->getAttrOfType<IntegerAttr>(kScratchBytesAttr))
      entrySpec.scratchBytes = scratch.getInt();
  if (failed(runPipeline(module, buildCPULLVMPipeline, "LLVM")))
    return failure();

  if (options.emit == EmitKind::LLVMDialect) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module.print(os);
    os << "\n";
    return writeBytes(options.outputPath, text, loc);
  }

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateAndOptimize(module, llvmContext, *machine, target.optLevel, error);
  if (!llvmModule)
    return emitError(loc) << error;
  if (options.emit == EmitKind::LLVMIR) {
    std::string text;
    llvm::raw_string_ostream os(text);
    llvmModule->print(os, nullptr);
    return writeBytes(options.outputPath, text, loc);
  }
  llvm::SmallVector<char> machineCode;
  if (!emitMachineCode(*llvmModule, *machine, options.emit == EmitKind::Assembly, machineCode,
                       error))
    return emitError(loc) << error;
  if (options.emit == EmitKind::Assembly || options.emit == EmitKind::Object)
    return writeBytes(options.outputPath, machineCode, loc);

  artifact::CodeObjectSpec code;
  code.triple = target.triple;
  if (!linkSharedObject(machineCode, code.bytes, error))
    return emitError(loc) << error;
  model.name = options.modelName;
  model.producer = options.producer;
  model.triple = target.triple;
  model.cpu = target.cpu;
  model.features = enabledFeatures(*machine);
  for (artifact::EntryPointSpec &entrySpec : entrySpecs)
    model.entryPoints.push_back(std::move(entrySpec));
  if (options.languageModel.present) {
    model.languageModel = options.languageModel;
    auto indexOf = [&](StringRef name) -> std::optional<uint32_t> {
      for (auto [index, entry] : llvm::enumerate(model.entryPoints))
        if (entry.name == name)
          return index;
      return std::nullopt;
    };
    std::optional<uint32_t> prefill = indexOf("prefill"), decode = indexOf("decode");
    if (!prefill || !decode)
      return emitError(loc) << "a language model needs 'prefill' and 'decode' entry points";
    model.languageModel.prefill = *prefill;
    model.languageModel.decode = *decode;
  }
  model.codeObjects.push_back(std::move(code));
  if (!artifact::writeArtifact(model, options.outputPath, &error))
    return emitError(loc) << error;
  return success();
}

} // namespace llmc::cpu
