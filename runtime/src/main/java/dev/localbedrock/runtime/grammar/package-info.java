/**
 * Constrained decoding: a JSON Schema compiled to a byte-level pushdown grammar ({@code SchemaCompiler},
 * {@code Grammar}, {@code GrammarState}), walked together with a byte trie of the vocabulary
 * ({@code TokenVocabulary}) to find the tokens that keep the output a valid prefix ({@code TokenMask}), cached per
 * state and per schema ({@code JsonConstraint}, {@code JsonConstraints}), and applied per sequence through the
 * sampler's {@code TokenConstraint} hook ({@code JsonConstraintState}). See {@code docs/constrained-decoding.md}.
 *
 * <p>May depend on {@code sampling} (the hook it implements), on {@code engines}' tokenizer interface and on Jackson;
 * on no other runtime package. Compiled grammars and masks are immutable and shared across threads; a
 * {@code JsonConstraintState} belongs to one sequence on its scheduler thread.
 */
package dev.localbedrock.runtime.grammar;
