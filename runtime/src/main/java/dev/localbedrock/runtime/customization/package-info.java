/**
 * Model customization (fine-tuning jobs). So far: the dataset checks a job runs before it trains
 * ({@code TrainingDataValidator}), with the guide's messages. The job API, training and custom models follow.
 */
package dev.localbedrock.runtime.customization;
