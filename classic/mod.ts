/**
 * The course's classic algorithms (`classic.*`): AdaBoost, PCA and kernel PCA.
 *
 * @module
 */
export {};
