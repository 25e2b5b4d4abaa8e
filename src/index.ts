/**
 * maflow — masked autoregressive flows for Node.js and the browser.
 * The public surface: one barrel of named exports, layer by layer.
 */
// core
export { matrix, zeros, toArrays, cast, clone, rowSlice, gatherRows, checkShape } from './core/matrix.ts';
export type { Matrix, Dtype, FloatArray } from './core/matrix.ts';
export { Rng } from './core/rng.ts';
export { checkFinite, firstNonFinite, FLOAT32_OVERFLOW } from './core/check-finite.ts';
export type { CheckFiniteOptions } from './core/check-finite.ts';
export { sequences, sequenceLength, checkSequences, checkSequenceValues, gatherSequences, sequencesAsRows } from './core/sequences.ts';
export type { Sequences, SequencesOptions } from './core/sequences.ts';

// kernels
export type {
  Kernels, Activation, StaircaseLayer, StaircaseHiddenLayer, StaircaseNetwork, TransformerKernel, AffineTransformerKernel,
  SplineTransformerKernel, CircularSplineTransformerKernel, BernsteinTransformerKernel, NafTransformerKernel,
  UmnnTransformerKernel, MonotoneTransformerKernel,
} from './kernels/kernels.ts';
export { referenceKernels } from './kernels/reference.ts';
export {
  kernels, setBackend, availableBackends, withBackend, registerBackend, registerBackendLoader, useBackend,
} from './kernels/backend.ts';
export { loadWasmBackend, wasmRelaxedSimdSupported, wasmSimdSupported } from './kernels/wasm.ts';
export type { WasmBackendOptions, WasmKernels } from './kernels/wasm.ts';
export type { WasmWorkerPlatform, WasmWorkerHandle } from './kernels/wasm-threads.ts';
// @exports:kernels

// nn
export { Parameter, parametersOf, parameterCount, zeroGrad } from './nn/parameter.ts';
export type { Module, NamedParameters } from './nn/parameter.ts';
export { inputDegrees, hiddenDegrees, prefixLengths } from './nn/degrees.ts';
export type { DegreeMode } from './nn/degrees.ts';
export { MaskedLinear } from './nn/masked-linear.ts';
export { Made } from './nn/made.ts';
export type { MadeOptions, MadeConfig } from './nn/made.ts';
export { MlpEncoder } from './nn/mlp-encoder.ts';
export type { MlpEncoderOptions, MlpEncoderConfig, MlpEncoderTrainPass } from './nn/mlp-encoder.ts';
export { Lstm } from './nn/lstm.ts';
export type { LstmOptions } from './nn/lstm.ts';
export { Gru } from './nn/gru.ts';
export type { GruOptions } from './nn/gru.ts';
export { GatedRecurrentLayer, packSteps } from './nn/recurrent-encoder.ts';
export type { RecurrentEncoder, RecurrentEncoderConfig, RecurrentLayerOptions, RecurrentState, RecurrentTrainOptions, RecurrentTrainPass, RecurrentWeights, PackedSteps } from './nn/recurrent-encoder.ts';

// bijectors
export { Bijector, InPlaceBijector } from './bijectors/bijector.ts';
export type { BijectorCallOptions, BijectorResult, TrainPass, BijectorConfig } from './bijectors/bijector.ts';
export { MaskedAutoregressiveFlow } from './bijectors/masked-autoregressive-flow.ts';
export type { MaskedAutoregressiveFlowOptions } from './bijectors/masked-autoregressive-flow.ts';
export { AffineTransformer } from './bijectors/affine-transformer.ts';
export type { Transformer } from './bijectors/transformer.ts';
export { Chain } from './bijectors/chain.ts';
export { Permute } from './bijectors/permute.ts';
export { Invert } from './bijectors/invert.ts';
export type { InvertConfig } from './bijectors/invert.ts';
export { BatchNormalization } from './bijectors/batch-normalization.ts';
export type { BatchNormalizationOptions, BatchNormalizationConfig } from './bijectors/batch-normalization.ts';
export { AffineCoupling } from './bijectors/affine-coupling.ts';
export type { AffineCouplingOptions, AffineCouplingConfig } from './bijectors/affine-coupling.ts';
export { Shift } from './bijectors/shift.ts';
export type { ShiftOptions, ShiftConfig } from './bijectors/shift.ts';
export { Scale } from './bijectors/scale.ts';
export type { ScaleOptions, ScaleConfig } from './bijectors/scale.ts';
export { Standardize } from './bijectors/standardize.ts';
export type { StandardizeOptions, StandardizeFitOptions, StandardizeConfig } from './bijectors/standardize.ts';
export { createBijector } from './bijectors/create-bijector.ts';
export { collectBuffers } from './bijectors/collect-buffers.ts';
export type { NamedBuffers, HasBijector } from './bijectors/collect-buffers.ts';
export { setBatchNormStatistics } from './bijectors/set-batch-norm-statistics.ts';
export type { SetBatchNormStatisticsOptions } from './bijectors/set-batch-norm-statistics.ts';
export { RationalQuadraticSpline } from './bijectors/rational-quadratic-spline.ts';
export type { RationalQuadraticSplineOptions } from './bijectors/rational-quadratic-spline.ts';
export { invert, INVERSION_METHODS } from './bijectors/inversion/invert.ts';
export type { InvertOptions, InversionResult, InversionMethod } from './bijectors/inversion/invert.ts';
export { ElementwiseBijector } from './bijectors/elementwise-bijector.ts';
export type { ElementwiseColumn } from './bijectors/elementwise-bijector.ts';
export { Sigmoid } from './bijectors/sigmoid.ts';
export type { SigmoidOptions, SigmoidConfig } from './bijectors/sigmoid.ts';
export { Tanh } from './bijectors/tanh.ts';
export type { TanhOptions, TanhConfig } from './bijectors/tanh.ts';
export { Exp } from './bijectors/exp.ts';
export type { ExpOptions, ExpConfig } from './bijectors/exp.ts';
export { Softplus } from './bijectors/softplus.ts';
export type { SoftplusOptions, SoftplusConfig } from './bijectors/softplus.ts';
export { Bounds } from './bijectors/bounds.ts';
export type { BoundsOptions, BoundsConfig, OutsideBounds } from './bijectors/bounds.ts';
export type { ScalarBijectionName } from './bijectors/scalar-bijections.ts';
export { LuLinear } from './bijectors/lu-linear.ts';
export type { LuLinearOptions, LuLinearConfig } from './bijectors/lu-linear.ts';
export { ActNorm } from './bijectors/act-norm.ts';
export type { ActNormOptions, ActNormConfig } from './bijectors/act-norm.ts';
export { MonotoneTransformer } from './bijectors/monotone-transformer.ts';
export type { TransformerInversionReport } from './bijectors/monotone-transformer.ts';
export { NeuralAutoregressiveTransformer } from './bijectors/neural-autoregressive-transformer.ts';
export type { NeuralAutoregressiveTransformerOptions } from './bijectors/neural-autoregressive-transformer.ts';
export { UmnnTransformer } from './bijectors/umnn-transformer.ts';
export type { UmnnTransformerOptions } from './bijectors/umnn-transformer.ts';
export { BernsteinTransformer } from './bijectors/bernstein-transformer.ts';
export type { BernsteinTransformerOptions } from './bijectors/bernstein-transformer.ts';
export { createTransformer } from './bijectors/create-transformer.ts';
export type { TransformerConfig } from './bijectors/transformer.ts';
export { CircularSpline } from './bijectors/circular-spline.ts';
export type { CircularSplineOptions } from './bijectors/circular-spline.ts';
// @exports:bijectors

// distributions
export { Distribution } from './distributions/distribution.ts';
export type { SampleOptions, SamplesWithLogProb } from './distributions/distribution.ts';
export { StandardNormal } from './distributions/standard-normal.ts';
export { TransformedDistribution } from './distributions/transformed-distribution.ts';
export type { TransformedDistributionOptions, TransformedDistributionConfig } from './distributions/transformed-distribution.ts';
export { DiagNormal } from './distributions/diag-normal.ts';
export type { DiagNormalOptions, DiagNormalConfig } from './distributions/diag-normal.ts';
export { MixtureOfGaussians } from './distributions/mixture-of-gaussians.ts';
export type { MixtureOfGaussiansOptions, MixtureOfGaussiansConfig } from './distributions/mixture-of-gaussians.ts';
export { MadeMog } from './distributions/made-mog.ts';
export type { MadeMogOptions, MadeMogConfig } from './distributions/made-mog.ts';
export { createDistribution } from './distributions/create-distribution.ts';
export { ConditionalNormal } from './distributions/conditional-normal.ts';
export type { ConditionalNormalOptions, ConditionalNormalConfig } from './distributions/conditional-normal.ts';
// @exports:distributions

// flows
export { createMaf } from './flows/create-maf.ts';
export type { CreateMafOptions } from './flows/create-maf.ts';
export { createBase, BASE_KINDS } from './flows/create-base.ts';
export type { BaseKind, BaseOptions } from './flows/create-base.ts';
export { createMade } from './flows/create-made.ts';
export type { CreateMadeOptions } from './flows/create-made.ts';
export { createMadeMog } from './flows/create-made-mog.ts';
export type { CreateMadeMogOptions } from './flows/create-made-mog.ts';
export { createMafMog } from './flows/create-maf-mog.ts';
export type { CreateMafMogOptions } from './flows/create-maf-mog.ts';
export { createIaf } from './flows/create-iaf.ts';
export type { CreateIafOptions } from './flows/create-iaf.ts';
export { createRealNvp } from './flows/create-real-nvp.ts';
export type { CreateRealNvpOptions } from './flows/create-real-nvp.ts';
export { createNsf } from './flows/create-nsf.ts';
export type { CreateNsfOptions } from './flows/create-nsf.ts';
export type { MadeNetworkOptions, MadeFlowOptions } from './flows/made-flow-options.ts';
export { withStandardization } from './flows/with-standardization.ts';
export type { WithStandardizationOptions } from './flows/with-standardization.ts';
export { fitDataStandardize, dataEndBounds } from './flows/fit-data-standardize.ts';
export { createTemporalMaf } from './flows/create-temporal-maf.ts';
export type { CreateTemporalMafOptions } from './flows/create-temporal-maf.ts';
export { ENCODER_KINDS } from './flows/encoder-kinds.ts';
export type { EncoderKind } from './flows/encoder-kinds.ts';
export { TemporalMaf } from './flows/temporal-maf.ts';
export type { TemporalMafOptions, TemporalMafConfig, SequenceCallOptions, SequenceSampleOptions, ForecastOptions, SequenceTrainPass } from './flows/temporal-maf.ts';
export { withContextEncoder } from './flows/with-context-encoder.ts';
export type { WithContextEncoderOptions } from './flows/with-context-encoder.ts';
export { createNaf } from './flows/create-naf.ts';
export type { CreateNafOptions } from './flows/create-naf.ts';
export { createUmnn } from './flows/create-umnn.ts';
export type { CreateUmnnOptions } from './flows/create-umnn.ts';
// @exports:flows

// train
export { fit } from './train/fit.ts';
export type { FitOptions, FitResult, FitCheckpoint, FitStopReason, NonFiniteInput } from './train/fit.ts';
export { fitReverseKl } from './train/fit-reverse-kl.ts';
export type { FitReverseKlOptions, FitReverseKlResult, ReverseKlStepEvent } from './train/fit-reverse-kl.ts';
export type { StepEvent, EpochEvent } from './train/progress-event.ts';
export { remainingTime } from './train/remaining-time.ts';
export type { RemainingTime, RemainingTimeInput, RunLimit } from './train/remaining-time.ts';
export type { TrainingState, EpochRecord, BestState } from './train/training-state.ts';
export type { Optimizer, OptimizerState, StepOptions, StepAverage } from './train/optimizer.ts';
export { Adam } from './train/adam.ts';
export type { AdamOptions } from './train/adam.ts';
export { SgdMomentum } from './train/sgd-momentum.ts';
export type { SgdMomentumOptions } from './train/sgd-momentum.ts';
export { createOptimizer } from './train/create-optimizer.ts';
export type { OptimizerName } from './train/create-optimizer.ts';
export { clipGradNorm, gradNorm } from './train/clip-grad-norm.ts';
export { constantSchedule, cosineSchedule, stepSchedule } from './train/schedule.ts';
export type { Schedule, ScheduleOption, CosineScheduleOptions, StepScheduleOptions } from './train/schedule.ts';
export type { GradientStepOptions } from './train/gradient-step-options.ts';
export { meanLogProb } from './train/mean-log-prob.ts';
export type { MeanLogProbOptions } from './train/mean-log-prob.ts';
export { splitValidation } from './train/validation-split.ts';
export type { SplitValidationOptions, ValidationSplit } from './train/validation-split.ts';
export { fitSequences } from './train/fit-sequences.ts';
export type { FitSequencesOptions } from './train/fit-sequences.ts';
// @exports:train

// io and data (bytes only: files are in the Node entry)
export { VERSION } from './core/version.ts';
export { DataError } from './core/data-error.ts';
export type { DataErrorCode, DataErrorInit, DataErrorLocation } from './core/data-error.ts';
export { jsonExcerpt, printable, printableJson, quote, quoteList } from './core/printable.ts';
export type { PrintableOptions, QuoteOptions } from './core/printable.ts';
export { encodeSafetensors, decodeSafetensors, SAFETENSORS_DTYPES } from './io/safetensors.ts';
export type { SafetensorsDtype, SafetensorsTensor, SafetensorsContents } from './io/safetensors.ts';
export { encodeModel, decodeModel, MODEL_FORMAT, MODEL_FORMAT_VERSION } from './io/model-codec.ts';
export type { SaveModelOptions, LoadedModel } from './io/model-codec.ts';
export { encodeSequenceModel, decodeSequenceModel } from './io/sequence-model-codec.ts';
export type { LoadedSequenceModel } from './io/sequence-model-codec.ts';
export { exportOnnx, onnxSignature } from './io/onnx/export-onnx.ts';
export type { ExportOnnxOptions, OnnxGraphKind, OnnxSignature } from './io/onnx/export-onnx.ts';
export { ONNX_OPSET } from './io/onnx/onnx-opset.ts';
export type { OnnxTensorInfo, Dimension as OnnxDimension, ComputeType as OnnxComputeType, SequentialLayout as OnnxSequentialLayout } from './io/onnx/onnx-graph.ts';
export { UnsupportedOnnxError } from './io/onnx/unsupported-onnx-error.ts';
export { Standardizer } from './data/standardizer.ts';
export type { StandardizerJson } from './data/standardizer.ts';
export type { SyntheticDataset, GeneratorOptions } from './data/synthetic-dataset.ts';
export { twoMoons } from './data/two-moons.ts';
export { figure1Density, figure1LogProb, FIGURE1_ENTROPY } from './data/figure1-density.ts';
export { gaussianMixture2d } from './data/gaussian-mixture-2d.ts';
export { conditionalSine } from './data/conditional-sine.ts';
export { checkerboard, checkerboardLogProb } from './data/checkerboard.ts';
// @exports:io
