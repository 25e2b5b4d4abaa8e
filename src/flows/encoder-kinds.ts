/**
 * The recurrent encoders a temporal MAF offers, apart from `createTemporalMaf` so that naming them (the CLI's
 * `--encoder` choices) does not load the recurrent layers.
 */

/** The recurrent encoders `createTemporalMaf` offers. */
export type EncoderKind = 'lstm' | 'gru';

/** Every `EncoderKind`. */
export const ENCODER_KINDS: readonly EncoderKind[] = ['lstm', 'gru'];
