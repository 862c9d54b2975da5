/**
 * IAM's identity-policy language and evaluation: documents, statements, conditions and their operators, which IAM
 * action and resource each operation is ({@code IamActions}), the decision ({@code Authorizer}, explicit deny first)
 * and its cache ({@code DecisionCache}). Pure and thread-safe; knows nothing of keys, signatures or HTTP.
 */
package dev.localbedrock.runtime.iam;
