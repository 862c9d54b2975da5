/**
 * The {@code bedrock} control plane's services: today the foundation models generated from the served catalogue
 * (ListFoundationModels, GetFoundationModel). Knows nothing of HTTP: {@code http/ControlPlaneApi} turns requests into
 * calls here and the answers into JSON. Runs on the event loop; nothing here blocks.
 */
package dev.localbedrock.runtime.controlplane;
