/**
 * Text out of knowledge-base source files (txt, Markdown, HTML, CSV, Word, Excel, PDF):
 * {@link dev.localbedrock.knowledge.extract.Extractors} gives normalised text or a per-file
 * {@link dev.localbedrock.knowledge.extract.ExtractionException} with its reason.
 */
package dev.localbedrock.knowledge.extract;
