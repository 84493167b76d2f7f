// Small text helpers the peer-daemon drivers share: files in and out, lines, fields.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::testing::bgp {

void write_text_file(const std::filesystem::path& path, const std::string& text);
std::string read_text_file(const std::filesystem::path& path);  // empty when missing
std::vector<std::string_view> split_lines(std::string_view text);
std::vector<std::string_view> split_words(std::string_view text);
std::string_view trim(std::string_view text);
bool starts_with_word(std::string_view text, std::string_view word);

}  // namespace sluice::testing::bgp
