/**
 * The course's classic algorithms (`classic.*`): AdaBoost over weak linear
 * classifiers (decision stumps or pocket perceptrons), PCA and kernel PCA
 * (with the linear, RBF and polynomial kernels), and the symmetric
 * eigen-decomposition they rest on.
 *
 * @module
 */
export { type AdaBoost, adaBoost, type AdaBoostOptions } from "./adaboost.ts";
export { type LinearClassifier, type Stump, type WeakLearner, weakPredict } from "./weak_learners.ts";
export { type Pca, pca, type PcaOptions } from "./pca.ts";
export { centerGram, type KernelPca, kernelPca, type KernelPcaOptions } from "./kernel_pca.ts";
export { type Kernel, linear, polynomial, rbf } from "./kernels.ts";
export { type Eigh, eigh } from "./eigh.ts";
