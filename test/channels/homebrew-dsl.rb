# Stubs of Homebrew's Formula DSL, just enough to evaluate a formula's class body once per
# platform and report what each DSL call received, as JSON. Any DSL call it does not know is
# an error: the formula must use exactly the calls glide-release means it to.
#   ruby homebrew-dsl.rb FORMULA.rb "VERSION OUTPUT OF THE BINARY"
require 'json'

PLATFORMS = { 'darwin/amd64' => %w[macos intel], 'darwin/arm64' => %w[macos arm],
              'linux/amd64' => %w[linux intel], 'linux/arm64' => %w[linux arm] }.freeze

class Formula
  class << self
    attr_accessor :platform, :facts

    def inherited(subclass)
      super
      subclass.facts = { 'downloads' => [] }
    end

    %w[desc homepage version license].each do |name|
      define_method(name) { |value| facts[name] = value }
    end

    def on_macos = (yield if Formula.platform[0] == 'macos')
    def on_linux = (yield if Formula.platform[0] == 'linux')
    def on_intel = (yield if Formula.platform[1] == 'intel')
    def on_arm = (yield if Formula.platform[1] == 'arm')
    def url(value) = facts['downloads'] << { 'url' => value }

    def sha256(value)
      raise 'sha256 before its url' if facts['downloads'].empty? || facts['downloads'].last.key?('sha256')

      facts['downloads'].last['sha256'] = value
    end

    def test(&block) = (facts['test'] = block)
  end

  # What `def install` and `test do` may call, recorded instead of run.
  Bin = Struct.new(:installed) do
    def install(*names) = installed.concat(names)
    def to_s = '/prefix/bin'
  end

  def initialize(version_output)
    @version_output = version_output
    @bin = Bin.new([])
    @ran = []
  end

  attr_reader :ran

  def bin = @bin

  def shell_output(command)
    @ran << command
    @version_output
  end

  def assert_match(expected, actual)
    raise "assert_match: #{actual.inspect} does not contain #{expected.inspect}" unless actual.include?(expected)
  end
end

formula_path, version_output = ARGV
report = PLATFORMS.to_h do |target, platform|
  Formula.platform = platform
  Object.send(:remove_const, :Glide) if Object.const_defined?(:Glide)
  load formula_path
  formula = Glide.new(version_output)
  formula.install
  test_passed = begin
    formula.instance_exec(&Glide.facts['test'])
    true
  rescue RuntimeError => e
    e.message
  end
  [target, Glide.facts.except('test').merge('installed' => formula.bin.installed, 'ran' => formula.ran, 'test' => test_passed)]
end
puts JSON.generate(report)
