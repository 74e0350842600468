package arena

import "testing"

func TestNamesItsMaker(t *testing.T) {
	leaks := []string{
		"I'm Claude, an AI assistant made by Anthropic.",
		"I am ChatGPT, a large language model.",
		"Hi! I’m Gemini, Google's model.",
		"As an OpenAI model, I can't browse the web.",
		"As a Claude model I try to be helpful.",
		"Gemini here! Happy to help.",
		"I'm a large language model trained by Google.",
		"I was developed by Meta to be helpful.",
		"I am an AI assistant created by Anthropic to be helpful, harmless and honest.",
		"My name is Grok, and I was built by xAI.",
		"I'm Llama, an open model.",
		"This is Qwen, how can I help?",
		"I am DeepSeek-V3, a model by DeepSeek.",
		"I'm an Amazon Nova model.",
		"As Anthropic's assistant, I must decline.",
		"I am GPT-4o, the latest model.",
		"my creators at OpenAI say so",
		"You're talking to Mistral, a French model.",
		"> **Note:** this is a simulated answer. fanout's demo model *Sage* reproduces the pace of a slow model.",
	}
	fine := []string{
		"Claude Shannon founded information theory.",
		"OpenAI released GPT-4 in 2023; Anthropic followed with Claude 2.",
		"Use the OpenAI API with an API key.",
		"The Gemini program flew ten crewed missions.",
		"I am happy to compare Llama and Mistral for you.",
		"As an example, consider Meta's quarterly report.",
		"I'm not sure; the Google search results disagree.",
		"A llama is a domesticated South American camelid.",
		"Here is the answer: the capital is Paris.",
		"I was trained to answer briefly.",
		"The Nova supernova of 1572 was observed by Tycho.",
		"I'm going to use the meta keyword in HTML.",
		"A demo model is not a sage.",
	}
	for _, s := range leaks {
		if !NamesItsMaker(s) {
			t.Errorf("missed: %q", s)
		}
	}
	for _, s := range fine {
		if NamesItsMaker(s) {
			t.Errorf("false alarm: %q", s)
		}
	}
}
