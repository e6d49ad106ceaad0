/**
 * Deconvnet reconstruction (Zeiler & Fergus, 2014): a class score (or a unit, through the
 * score it feeds) projected back to pixel space through the network's transposed convolutions,
 * unpooling by the forward max-pool switches and, at every ReLU module, rectifying the signal
 * going back (pass where the backward signal is positive, whatever the forward input was).
 * For conv/pool/linear layers this backward path is exactly autograd's, so the reconstruction
 * is the input gradient with the deconvnet ReLU rule (guided-backprop.ts, withReluRule).
 */
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { inputGradient, type InputGradientResult } from './guided-backprop.js';

/** Deconvnet reconstruction of one image (C, H, W) or (1, C, H, W) for a class (default: the predicted one). */
export function deconvnet(model: Module, x: Tensor, targetClass?: number): InputGradientResult {
  return inputGradient(model, x, 'deconvnet', targetClass, 'deconvnet');
}
