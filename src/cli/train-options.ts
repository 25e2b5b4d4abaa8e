/** The option values that `maflow train` parses for every flow kind, tabular and temporal alike. */
export interface CommonTrainOptions {
  out: string;
  layers: number;
  hidden: number[];
  activation: 'relu' | 'tanh';
  columns?: string;
  contextColumns?: string;
  validation: number;
  validationData?: string;
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  patience: number;
  /** Decay of the moving average of the weights that validation scores and the model keeps (0: the last weights). */
  emaDecay: number;
  maxTime?: number;
  /** A PNG of the training and validation loss curves. */
  plotLoss?: string;
  json?: boolean;
  /** A file for the JSON summary of the run. */
  summary?: string;
  seed: number;
  checkpoint?: string;
  checkpointEvery: number;
  resume?: string;
  standardize: boolean;
}
