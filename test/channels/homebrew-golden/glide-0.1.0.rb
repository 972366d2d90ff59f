# Written by glide-release from the ledger of EinStack/glide 0.1.0: change the release, not this file.
class Glide < Formula
  desc "Lightweight, cloud-native LLM gateway"
  homepage "https://github.com/EinStack/glide"
  version "0.1.0"
  license "Apache-2.0"

  on_macos do
    on_intel do
      url "https://github.com/EinStack/glide/releases/download/0.1.0/glide_v0.1.0_darwin_amd64.tar.gz"
      sha256 "302e312e302f676c6964655f76302e312e305f64617277696e5f616d6436342e"
    end
    on_arm do
      url "https://github.com/EinStack/glide/releases/download/0.1.0/glide_v0.1.0_darwin_arm64.tar.gz"
      sha256 "302e312e302f676c6964655f76302e312e305f64617277696e5f61726d36342e"
    end
  end

  on_linux do
    on_intel do
      url "https://github.com/EinStack/glide/releases/download/0.1.0/glide_v0.1.0_linux_amd64.tar.gz"
      sha256 "302e312e302f676c6964655f76302e312e305f6c696e75785f616d6436342e74"
    end
    on_arm do
      url "https://github.com/EinStack/glide/releases/download/0.1.0/glide_v0.1.0_linux_arm64.tar.gz"
      sha256 "302e312e302f676c6964655f76302e312e305f6c696e75785f61726d36342e74"
    end
  end

  def install
    bin.install "glide"
  end

  test do
    assert_match "version 0.1.0 (", shell_output("#{bin}/glide --version")
  end
end
