//===- Importer.cpp - GGUF language models into the llm dialect -------------===//
//
// Architectures follow llama.cpp's graphs (src/llama-model.cpp):
//  - llama (and mistral-style grouped-query attention), qwen2 (biased q/k/v, NeoX RoPE):
//    RMSNorm, RoPE, attention over the KV cache, a SwiGLU feed-forward, RMSNorm and the head;
//  - gpt2: learned position embeddings, LayerNorm with bias, fused biased qkv, GELU (tanh).
// A ggml matrix with ne = [n_in, n_out] is n_out rows of n_in values, which is llm.linear's
// weight layout, so weights are used as the file stores them.
//
//===----------------------------------------------------------------------===//
#include "frontends/gguf/Importer.h"

#include "backends/cpu/Passes.h"
#include "dialects/llm/IR/LLMOps.h"
#include "frontends/gguf/GGUF.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>

using namespace mlir;

namespace llmc::gguf {
namespace {

/// The error of one import, with the file named once at the front.
struct ImportError {
  std::string message;
};

struct Hyperparameters {
  std::string arch;
  int64_t embedding = 0, layers = 0, feedForward = 0, heads = 0, kvHeads = 0, headDim = 0;
  int64_t rotaryDims = 0, context = 0, vocab = 0;
  double epsilon = 1e-5, freqBase = 10000.0;
  bool gpt2 = false, neox = false;
};

class Importer {
public:
  Importer(const File &file, llvm::ArrayRef<uint8_t> bytes, MLIRContext &context)
      : file(file), bytes(bytes), context(context), builder(&context),
        loc(UnknownLoc::get(&context)) {}

  /// Reads and checks the hyperparameters; false with `error` set on a bad file.
  bool readHyperparameters(const ImportOptions &options);
  bool readTokenizer(artifact::TokenizerSpec &tokenizer);
  /// Builds the module; null with `error` set on a bad tensor.
  OwningOpRef<ModuleOp> build();

  std::string error;
  Hyperparameters hp;

private:
  const Value *find(llvm::StringRef key) { return file.find(key); }
  std::optional<int64_t> positive(llvm::StringRef key, bool required);
  Type weightElement(const TensorInfo &info);
  /// The constant holding tensor `name`, checked to have `rows` rows of `columns` (ne =
  /// [columns, rows]); a vector (rows == 0) must be f32 with ne = [columns].
  mlir::Value weight(llvm::StringRef name, int64_t columns, int64_t rows, bool optional = false);
  mlir::Value vector(llvm::StringRef name, int64_t size, bool optional = false) {
    return weight(name, size, 0, optional);
  }
  bool buildEntry(ModuleOp module, llvm::StringRef name, bool decode);
  mlir::Value linear(mlir::Value input, llvm::StringRef prefix, int64_t in, int64_t out, bool bias);

  RankedTensorType f32(llvm::ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }
  RankedTensorType i64Vector() { return RankedTensorType::get({1}, builder.getI64Type()); }
  /// A one-element i64 vector: the bounds, axes and steps of llm.dynamic_slice and llm.range.
  mlir::Value i64Constant(int64_t value) {
    return arith::ConstantOp::create(
        builder, loc,
        DenseElementsAttr::get(i64Vector(), builder.getI64IntegerAttr(value).getValue()));
  }
  bool fail(const std::string &message) {
    if (error.empty())
      error = message;
    return false;
  }

  const File &file;
  llvm::ArrayRef<uint8_t> bytes;
  MLIRContext &context;
  OpBuilder builder;
  Location loc;
  /// One resource per tensor, shared by both entry points.
  llvm::StringMap<ElementsAttr> constants;
};

std::optional<int64_t> Importer::positive(llvm::StringRef key, bool required) {
  const Value *value = find(key);
  if (!value) {
    if (required)
      fail("metadata key '" + key.str() + "' is missing");
    return std::nullopt;
  }
  std::optional<uint64_t> number = value->asUnsigned();
  if (!number || *number == 0 || *number > (uint64_t(1) << 31)) {
    fail("metadata key '" + key.str() + "' must be a positive integer below 2^31");
    return std::nullopt;
  }
  return int64_t(*number);
}

bool Importer::readHyperparameters(const ImportOptions &options) {
  const Value *arch = find("general.architecture");
  if (!arch || arch->type != ValueType::String)
    return fail("metadata key 'general.architecture' is missing or not a string");
  hp.arch = arch->stringValue.str();
  if (hp.arch != "llama" && hp.arch != "qwen2" && hp.arch != "gpt2" && hp.arch != "mistral")
    return fail("architecture '" + hp.arch +
                "' is not supported (llmc reads llama, mistral, qwen2 and gpt2)");
  hp.gpt2 = hp.arch == "gpt2";
  hp.neox = hp.arch == "qwen2";
  std::string a = hp.arch;
  auto embedding = positive(a + ".embedding_length", true);
  auto layers = positive(a + ".block_count", true);
  auto feedForward = positive(a + ".feed_forward_length", true);
  auto heads = positive(a + ".attention.head_count", true);
  auto context = positive(a + ".context_length", true);
  if (!embedding || !layers || !feedForward || !heads || !context)
    return false;
  hp.embedding = *embedding, hp.layers = *layers, hp.feedForward = *feedForward;
  hp.heads = *heads;
  hp.kvHeads = positive(a + ".attention.head_count_kv", false).value_or(hp.heads);
  if (!error.empty())
    return false;
  if (hp.embedding % hp.heads != 0)
    return fail(a + ".embedding_length " + std::to_string(hp.embedding) +
                " is not a multiple of the head count " + std::to_string(hp.heads));
  if (hp.heads % hp.kvHeads != 0)
    return fail("the head count " + std::to_string(hp.heads) +
                " is not a multiple of the kv head count " + std::to_string(hp.kvHeads));
  if (hp.layers > 1024)
    return fail(a + ".block_count " + std::to_string(hp.layers) + " is implausible (over 1024)");
  hp.headDim = hp.embedding / hp.heads;
  hp.rotaryDims = positive(a + ".rope.dimension_count", false).value_or(hp.headDim);
  if (!error.empty())
    return false;
  if (!hp.gpt2 && (hp.rotaryDims % 2 != 0 || hp.rotaryDims > hp.headDim))
    return fail(a + ".rope.dimension_count " + std::to_string(hp.rotaryDims) +
                " must be even and at most the head size " + std::to_string(hp.headDim));
  std::string epsilonKey =
      hp.gpt2 ? a + ".attention.layer_norm_epsilon" : a + ".attention.layer_norm_rms_epsilon";
  const Value *epsilon = find(epsilonKey);
  std::optional<double> epsilonValue = epsilon ? epsilon->asFloat() : std::nullopt;
  if (!epsilonValue || !(*epsilonValue > 0) || *epsilonValue > 1)
    return fail("metadata key '" + epsilonKey + "' is missing or not a small positive number");
  hp.epsilon = *epsilonValue;
  if (const Value *base = find(a + ".rope.freq_base")) {
    std::optional<double> value = base->asFloat();
    if (!value || !(*value > 1))
      return fail("metadata key '" + a + ".rope.freq_base' must be a number above 1");
    hp.freqBase = *value;
  }
  // Features that change the computation and that llmc does not implement yet are refused,
  // never ignored: the model would run and print plausible garbage.
  if (const Value *scaling = find(a + ".rope.scaling.type");
      scaling && !(scaling->type == ValueType::String && scaling->stringValue == "none"))
    return fail("metadata key '" + a + ".rope.scaling.type' asks for RoPE scaling ('" +
                scaling->stringValue.str() + "'), which llmc does not support yet");
  if (const Value *factor = find(a + ".rope.scale_linear")) {
    std::optional<double> value = factor->asFloat();
    if (!value || *value != 1.0)
      return fail("metadata key '" + a +
                  ".rope.scale_linear' asks for linear RoPE scaling, which llmc does not "
                  "support yet");
  }
  if (file.findTensor("rope_freqs.weight"))
    return fail("tensor 'rope_freqs.weight' (RoPE frequency factors, as in llama 3.1) is not "
                "supported yet");
  if (const Value *experts = find(a + ".expert_count");
      experts && experts->asUnsigned().value_or(0) > 0)
    return fail("metadata key '" + a +
                ".expert_count': mixture-of-experts models are not "
                "supported yet");
  hp.context = options.contextLength > 0 ? options.contextLength
                                         : std::min<int64_t>(*context, kDefaultContext);
  if (hp.gpt2 && hp.context > *context)
    return fail("a context of " + std::to_string(hp.context) + " tokens is longer than gpt2's " +
                std::to_string(*context) + " learned positions");
  const TensorInfo *embeddings = file.findTensor("token_embd.weight");
  if (!embeddings || embeddings->dims.size() != 2)
    return fail("tensor 'token_embd.weight' is missing or not a matrix");
  if (embeddings->dims[1] == 0 || embeddings->dims[1] > (uint64_t(1) << 31))
    return fail("tensor 'token_embd.weight' has an implausible vocabulary size");
  hp.vocab = int64_t(embeddings->dims[1]);
  return true;
}

bool Importer::readTokenizer(artifact::TokenizerSpec &tokenizer) {
  const Value *model = find("tokenizer.ggml.model");
  if (!model || model->type != ValueType::String)
    return fail("metadata key 'tokenizer.ggml.model' is missing or not a string");
  tokenizer.model = model->stringValue.str();
  if (tokenizer.model != "llama" && tokenizer.model != "gpt2")
    return fail("tokenizer model '" + tokenizer.model +
                "' is not supported (llmc reads llama and gpt2 tokenizers)");
  if (const Value *pre = find("tokenizer.ggml.pre"); pre && pre->type == ValueType::String)
    tokenizer.pre = pre->stringValue.str();
  const Value *tokens = find("tokenizer.ggml.tokens");
  if (!tokens || tokens->type != ValueType::Array || tokens->elementType != ValueType::String ||
      tokens->count == 0)
    return fail("metadata key 'tokenizer.ggml.tokens' is missing or not an array of strings");
  if (int64_t(tokens->count) > hp.vocab)
    return fail("the tokenizer has " + std::to_string(tokens->count) +
                " tokens but 'token_embd.weight' only " + std::to_string(hp.vocab) + " rows");
  for (uint64_t i = 0; i < tokens->count; ++i)
    tokenizer.tokens.push_back(tokens->stringAt(i).str());
  if (const Value *scores = find("tokenizer.ggml.scores")) {
    if (scores->type != ValueType::Array || scores->count != tokens->count)
      return fail("metadata key 'tokenizer.ggml.scores' must hold one number per token");
    for (uint64_t i = 0; i < scores->count; ++i) {
      std::optional<double> score = scores->floatAt(i);
      if (!score)
        return fail("metadata key 'tokenizer.ggml.scores' must hold numbers");
      tokenizer.scores.push_back(float(*score));
    }
  }
  if (const Value *types = find("tokenizer.ggml.token_type")) {
    if (types->type != ValueType::Array || types->count != tokens->count)
      return fail("metadata key 'tokenizer.ggml.token_type' must hold one integer per token");
    for (uint64_t i = 0; i < types->count; ++i) {
      std::optional<int64_t> type = types->integerAt(i);
      if (!type || *type < 0 || *type > 6)
        return fail("metadata key 'tokenizer.ggml.token_type' holds a value outside 0..6");
      tokenizer.tokenTypes.push_back(int32_t(*type));
    }
  }
  if (const Value *merges = find("tokenizer.ggml.merges")) {
    if (merges->type != ValueType::Array || merges->elementType != ValueType::String)
      return fail("metadata key 'tokenizer.ggml.merges' must be an array of strings");
    for (uint64_t i = 0; i < merges->count; ++i)
      tokenizer.merges.push_back(merges->stringAt(i).str());
  }
  auto id = [&](const char *key, int32_t &out) {
    const Value *value = find(key);
    if (!value)
      return true;
    std::optional<uint64_t> number = value->asUnsigned();
    if (!number || *number >= tokens->count)
      return fail(std::string("metadata key '") + key + "' is not a token id below " +
                  std::to_string(tokens->count));
    out = int32_t(*number);
    return true;
  };
  auto flag = [&](const char *key, bool &out) {
    if (const Value *value = find(key)) {
      if (value->type != ValueType::Bool)
        return fail(std::string("metadata key '") + key + "' is not a bool");
      out = value->unsignedValue != 0;
    }
    return true;
  };
  tokenizer.addBos = tokenizer.model == "llama";
  tokenizer.addSpacePrefix = tokenizer.model == "llama";
  return id("tokenizer.ggml.bos_token_id", tokenizer.bos) &&
         id("tokenizer.ggml.eos_token_id", tokenizer.eos) &&
         id("tokenizer.ggml.unknown_token_id", tokenizer.unknown) &&
         id("tokenizer.ggml.padding_token_id", tokenizer.padding) &&
         flag("tokenizer.ggml.add_bos_token", tokenizer.addBos) &&
         flag("tokenizer.ggml.add_space_prefix", tokenizer.addSpacePrefix);
}

Type Importer::weightElement(const TensorInfo &info) {
  switch (info.type) {
  case TensorType::F32:
    return builder.getF32Type();
  case TensorType::F16:
    return builder.getF16Type();
  case TensorType::BF16:
    return builder.getBF16Type();
  case TensorType::Q4_0:
    return llm::GGMLBlockType::get(&context, llm::GGMLFormat::Q4_0);
  case TensorType::Q8_0:
    return llm::GGMLBlockType::get(&context, llm::GGMLFormat::Q8_0);
  case TensorType::Q4_K:
    return llm::GGMLBlockType::get(&context, llm::GGMLFormat::Q4_K);
  case TensorType::Q6_K:
    return llm::GGMLBlockType::get(&context, llm::GGMLFormat::Q6_K);
  default: {
    const TypeTraits *traits = typeTraits(uint32_t(info.type));
    fail("tensor '" + info.name + "' has ggml type " + (traits ? traits->name : "?") +
         ", which llmc does not compute with yet (supported: f32, f16, bf16, q4_0, q8_0, "
         "q4_k, q6_k)");
    return {};
  }
  }
}

mlir::Value Importer::weight(llvm::StringRef name, int64_t columns, int64_t rows, bool optional) {
  const TensorInfo *info = file.findTensor(name);
  if (!info) {
    if (!optional)
      fail("tensor '" + name.str() + "' is missing");
    return {};
  }
  std::vector<uint64_t> expected = {uint64_t(columns)};
  if (rows)
    expected.push_back(uint64_t(rows));
  if (info->dims != expected) {
    std::string got, want;
    for (uint64_t d : info->dims)
      got += (got.empty() ? "" : ", ") + std::to_string(d);
    for (uint64_t d : expected)
      want += (want.empty() ? "" : ", ") + std::to_string(d);
    fail("tensor '" + name.str() + "' has ne = [" + got + "], expected [" + want + "]");
    return {};
  }
  Type element = weightElement(*info);
  if (!element)
    return {};
  if (!rows && !element.isF32()) {
    fail("tensor '" + name.str() + "' is a vector and must be f32");
    return {};
  }
  RankedTensorType type = rows ? RankedTensorType::get({rows, columns}, element)
                               : RankedTensorType::get({columns}, element);
  ElementsAttr &attr = constants[name];
  if (!attr) {
    llvm::ArrayRef<char> data(
        reinterpret_cast<const char *>(bytes.data()) + file.dataOffset + info->offset, info->bytes);
    std::string blobName = name.str();
    for (char &c : blobName)
      if (!llvm::isAlnum(c))
        c = '_';
    attr = DenseResourceElementsAttr::get(type, blobName,
                                          HeapAsmResourceBlob::allocateAndCopyWithAlign(data, 64));
  }
  return arith::ConstantOp::create(builder, loc, attr);
}

mlir::Value Importer::linear(mlir::Value input, llvm::StringRef prefix, int64_t in, int64_t out,
                             bool bias) {
  mlir::Value w = weight((prefix + ".weight").str(), in, out);
  if (!w)
    return {};
  auto inputType = cast<RankedTensorType>(input.getType());
  RankedTensorType resultType = f32({inputType.getDimSize(0), out});
  mlir::Value result = llm::LinearOp::create(builder, loc, resultType, input, w);
  mlir::Value b = bias ? vector((prefix + ".bias").str(), out, /*optional=*/hp.neox) : nullptr;
  if (bias && !b && !error.empty())
    return {};
  if (b)
    result = llm::AddOp::create(builder, loc, resultType, result, b);
  return result;
}

bool Importer::buildEntry(ModuleOp module, llvm::StringRef name, bool decode) {
  int64_t tokenCount = decode ? 1 : ShapedType::kDynamic;
  int64_t D = hp.embedding, H = hp.heads, KV = hp.kvHeads, hd = hp.headDim;
  auto tokensType = RankedTensorType::get({tokenCount}, builder.getI32Type());
  auto startType = RankedTensorType::get({}, builder.getI64Type());
  RankedTensorType cacheType = f32({hp.context, KV, hd});
  SmallVector<Type> inputs = {tokensType, startType};
  for (int64_t i = 0; i < 2 * hp.layers; ++i)
    inputs.push_back(cacheType);
  RankedTensorType logitsType = f32({1, hp.vocab});
  SmallVector<Type> results = {logitsType};
  for (int64_t i = 0; i < 2 * hp.layers; ++i)
    results.push_back(cacheType);

  builder.setInsertionPointToEnd(module.getBody());
  auto function =
      func::FuncOp::create(builder, loc, name, builder.getFunctionType(inputs, results));
  function.setArgAttr(0, "llmc.name", builder.getStringAttr("tokens"));
  if (!decode)
    function.setArgAttr(0, "llmc.dim_names",
                        builder.getArrayAttr({builder.getStringAttr("tokens")}));
  function.setArgAttr(1, "llmc.name", builder.getStringAttr("start"));
  function.setResultAttr(0, "llmc.name", builder.getStringAttr("logits"));
  for (int64_t layer = 0; layer < hp.layers; ++layer)
    for (int64_t kind = 0; kind < 2; ++kind) {
      unsigned arg = 2 + 2 * layer + kind;
      std::string stateName =
          "blk." + std::to_string(layer) + (kind == 0 ? ".k_cache" : ".v_cache");
      function.setArgAttr(arg, cpu::kStateAttr, builder.getStringAttr(stateName));
      function.setResultAttr(arg - 1, cpu::kStateOfAttr, builder.getI64IntegerAttr(arg));
    }
  Block *body = function.addEntryBlock();
  builder.setInsertionPointToStart(body);
  mlir::Value tokens = body->getArgument(0), start = body->getArgument(1);

  mlir::Value table = weight("token_embd.weight", D, hp.vocab);
  if (!table)
    return false;
  RankedTensorType rowsType = f32({tokenCount, D});
  mlir::Value x = llm::EmbeddingOp::create(builder, loc, rowsType, table, tokens);
  if (hp.gpt2) {
    // Positions start, start + 1, ...: the rows of the learned position table.
    mlir::Value positions = weight("position_embd.weight", D, hp.context);
    if (!positions)
      return false;
    mlir::Value one = i64Constant(1);
    mlir::Value count = llm::ShapeOfOp::create(builder, loc, i64Vector(), tokens);
    auto scalarType = RankedTensorType::get({}, builder.getI64Type());
    mlir::Value countScalar = llm::ReshapeOp::create(builder, loc, scalarType, count);
    mlir::Value end = llm::AddOp::create(builder, loc, scalarType, start, countScalar);
    mlir::Value step = llm::ReshapeOp::create(builder, loc, scalarType, one);
    mlir::Value ids = llm::RangeOp::create(
        builder, loc, RankedTensorType::get({tokenCount}, builder.getI64Type()), start, end, step);
    mlir::Value rows = llm::EmbeddingOp::create(builder, loc, rowsType, positions, ids);
    x = llm::AddOp::create(builder, loc, rowsType, x, rows);
  }

  auto norm = [&](mlir::Value input, const std::string &prefix) -> mlir::Value {
    mlir::Value scale = vector(prefix + ".weight", D);
    if (!scale)
      return {};
    auto type = cast<RankedTensorType>(input.getType());
    if (!hp.gpt2)
      return llm::RmsNormOp::create(builder, loc, type, input, scale, builder.getI64IntegerAttr(1),
                                    builder.getF64FloatAttr(hp.epsilon));
    mlir::Value bias = vector(prefix + ".bias", D);
    if (!bias)
      return {};
    return llm::LayerNormOp::create(builder, loc, type, input, scale, bias,
                                    builder.getI64IntegerAttr(1),
                                    builder.getF64FloatAttr(hp.epsilon));
  };
  auto heads = [&](mlir::Value rows, int64_t count) -> mlir::Value {
    return llm::ReshapeOp::create(builder, loc, f32({tokenCount, count, hd}), rows);
  };
  auto rope = [&](mlir::Value input) -> mlir::Value {
    return llm::RopeOp::create(
        builder, loc, input.getType(), input, start, builder.getI64IntegerAttr(hp.rotaryDims),
        builder.getF64FloatAttr(hp.freqBase), builder.getStringAttr(hp.neox ? "neox" : "normal"));
  };

  SmallVector<mlir::Value> newCaches;
  for (int64_t layer = 0; layer < hp.layers; ++layer) {
    std::string p = "blk." + std::to_string(layer);
    mlir::Value h = norm(x, p + ".attn_norm");
    if (!h)
      return false;
    mlir::Value q, k, v;
    if (hp.gpt2) {
      mlir::Value qkv = linear(h, p + ".attn_qkv", D, 3 * D, /*bias=*/true);
      if (!qkv)
        return false;
      // Columns [index * D, (index + 1) * D) of the fused projection.
      auto part = [&](int64_t index) -> mlir::Value {
        return llm::DynamicSliceOp::create(builder, loc, rowsType, qkv, i64Constant(index * D),
                                           i64Constant((index + 1) * D), i64Constant(1),
                                           i64Constant(1));
      };
      q = part(0), k = part(1), v = part(2);
    } else {
      bool bias = hp.neox;
      q = linear(h, p + ".attn_q", D, H * hd, bias);
      k = q ? linear(h, p + ".attn_k", D, KV * hd, bias) : nullptr;
      v = k ? linear(h, p + ".attn_v", D, KV * hd, bias) : nullptr;
      if (!v)
        return false;
    }
    q = heads(q, H), k = heads(k, KV), v = heads(v, KV);
    if (!hp.gpt2)
      q = rope(q), k = rope(k);
    mlir::Value keys = llm::CacheWriteOp::create(builder, loc, cacheType,
                                                 body->getArgument(2 + 2 * layer), k, start);
    mlir::Value values = llm::CacheWriteOp::create(builder, loc, cacheType,
                                                   body->getArgument(3 + 2 * layer), v, start);
    newCaches.push_back(keys);
    newCaches.push_back(values);
    mlir::Value attention =
        llm::CachedAttentionOp::create(builder, loc, q.getType(), q, keys, values, start,
                                       builder.getF64FloatAttr(1.0 / std::sqrt(double(hd))));
    attention = llm::ReshapeOp::create(builder, loc, rowsType, attention);
    mlir::Value projected = linear(attention, p + ".attn_output", H * hd, D, hp.gpt2);
    if (!projected)
      return false;
    x = llm::AddOp::create(builder, loc, rowsType, x, projected);

    h = norm(x, p + ".ffn_norm");
    if (!h)
      return false;
    mlir::Value ffn;
    RankedTensorType hiddenType = f32({tokenCount, hp.feedForward});
    if (hp.gpt2) {
      mlir::Value up = linear(h, p + ".ffn_up", D, hp.feedForward, true);
      if (!up)
        return false;
      // GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as ggml computes it.
      auto splat = [&](double value) -> mlir::Value {
        return arith::ConstantOp::create(
            builder, loc,
            DenseElementsAttr::get(f32({}), builder.getF32FloatAttr(value).getValue()));
      };
      mlir::Value cube = llm::MulOp::create(builder, loc, hiddenType, up,
                                            llm::MulOp::create(builder, loc, hiddenType, up, up));
      mlir::Value inner =
          llm::AddOp::create(builder, loc, hiddenType, up,
                             llm::MulOp::create(builder, loc, hiddenType, cube, splat(0.044715)));
      inner = llm::MulOp::create(builder, loc, hiddenType, inner, splat(0.7978845608028654));
      mlir::Value t = llm::TanhOp::create(builder, loc, hiddenType, inner);
      t = llm::AddOp::create(builder, loc, hiddenType, t, splat(1.0));
      mlir::Value gelu =
          llm::MulOp::create(builder, loc, hiddenType,
                             llm::MulOp::create(builder, loc, hiddenType, up, t), splat(0.5));
      ffn = linear(gelu, p + ".ffn_down", hp.feedForward, D, true);
    } else {
      mlir::Value gate = linear(h, p + ".ffn_gate", D, hp.feedForward, false);
      mlir::Value up = gate ? linear(h, p + ".ffn_up", D, hp.feedForward, false) : nullptr;
      if (!up)
        return false;
      mlir::Value activated = llm::MulOp::create(
          builder, loc, hiddenType, llm::SiluOp::create(builder, loc, hiddenType, gate), up);
      ffn = linear(activated, p + ".ffn_down", hp.feedForward, D, false);
    }
    if (!ffn)
      return false;
    x = llm::AddOp::create(builder, loc, rowsType, x, ffn);
  }

  // Only the last token's logits are needed to pick the next one.
  if (!decode) {
    x = llm::DynamicSliceOp::create(builder, loc, f32({1, D}), x, i64Constant(-1),
                                    i64Constant(std::numeric_limits<int64_t>::max()),
                                    i64Constant(0), i64Constant(1));
  }
  mlir::Value normed = norm(x, "output_norm");
  if (!normed)
    return false;
  mlir::Value head = weight("output.weight", D, hp.vocab, /*optional=*/true);
  if (!head && !error.empty())
    return false;
  if (!head)
    head = table; // tied embeddings
  mlir::Value logits = llm::LinearOp::create(builder, loc, logitsType, normed, head);
  SmallVector<mlir::Value> returned = {logits};
  llvm::append_range(returned, newCaches);
  func::ReturnOp::create(builder, loc, returned);
  return true;
}

OwningOpRef<ModuleOp> Importer::build() {
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  if (!buildEntry(*module, "prefill", false) || !buildEntry(*module, "decode", true))
    return nullptr;
  return module;
}

} // namespace

OwningOpRef<ModuleOp> importModel(llvm::StringRef path, MLIRContext &context,
                                  const ImportOptions &options,
                                  artifact::LanguageModelSpec &languageModel, std::string &error) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buffer) {
    error = path.str() + ": " + buffer.getError().message();
    return nullptr;
  }
  llvm::ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart()),
                                (*buffer)->getBufferSize());
  std::string parseError;
  std::optional<File> file = parse(bytes, parseError);
  if (!file) {
    error = path.str() + ": " + parseError;
    return nullptr;
  }
  context.loadDialect<llm::LLMDialect, func::FuncDialect, arith::ArithDialect>();
  Importer importer(*file, bytes, context);
  OwningOpRef<ModuleOp> module;
  if (importer.readHyperparameters(options) && importer.readTokenizer(languageModel.tokenizer))
    module = importer.build();
  if (!module) {
    error = path.str() + ": " + importer.error;
    return nullptr;
  }
  const Hyperparameters &hp = importer.hp;
  languageModel.present = true;
  languageModel.architecture = hp.arch;
  languageModel.contextLength = hp.context;
  languageModel.vocabSize = hp.vocab;
  if (const Value *name = file->find("general.name"); name && name->type == ValueType::String)
    (*module)->setAttr("llmc.model_name", StringAttr::get(&context, name->stringValue));
  return module;
}

} // namespace llmc::gguf
