/**
 * Model customization (fine-tuning jobs). So far: the dataset checks a job runs before it trains
 * ({@code TrainingDataValidator}), its hyperparameters ({@code Hyperparameters}), its state machine
 * ({@code JobStatus}) and state-change events ({@code CustomizationJobEvents}, the guide's EventBridge shape),
 * and its data read and output location probed through the object store ({@code JobStorage}),
 * with the guide's messages. The job API, training and custom models follow.
 */
package dev.localbedrock.runtime.customization;
