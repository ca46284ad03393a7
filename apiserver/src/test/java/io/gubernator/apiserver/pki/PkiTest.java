package io.gubernator.apiserver.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PkiTest {

  @TempDir
  Path dir;

  @Test
  void servingKeysAreEcdsaClientKeysAndTheCaRsaAndAllSurviveAReload() throws Exception {
    Pki pki = Pki.loadOrCreate(dir, List.of("localhost"), List.of("127.0.0.1"));
    assertThat(pki.ca().key().getAlgorithm()).isEqualTo("RSA");
    assertThat(pki.admin().key().getAlgorithm()).isEqualTo("RSA");
    assertThat(pki.kubeletClient().key().getAlgorithm()).isEqualTo("RSA");
    assertThat(pki.serving().key().getAlgorithm()).isEqualTo("EC");
    assertThat(pki.serving().keyPem()).contains("BEGIN PRIVATE KEY");
    // Signed by the RSA CA; an EC key only signs (digitalSignature), it does not encipher.
    pki.serving().certificate().verify(pki.ca().certificate().getPublicKey());
    boolean[] usage = pki.serving().certificate().getKeyUsage();
    assertThat(usage[0]).isTrue();
    assertThat(usage[2]).isFalse();

    Pki again = Pki.loadOrCreate(dir, List.of("localhost"), List.of("127.0.0.1"));
    assertThat(again.serving().certificate()).isEqualTo(pki.serving().certificate());
    assertThat(again.serving().key().getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void selfSignedServingCertificatesAreEcdsaSignedByThemselves() throws Exception {
    Pki.CertifiedKey k = Pki.selfSignedServing(dir, "kubelet", "node-1", List.of("node-1"), List.of("127.0.0.1"));
    assertThat(k.key().getAlgorithm()).isEqualTo("EC");
    assertThat(k.certificate().getSigAlgName()).isEqualTo("SHA256withECDSA");
    k.certificate().verify(k.certificate().getPublicKey());
  }
}
